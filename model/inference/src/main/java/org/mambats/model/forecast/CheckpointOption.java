package org.mambats.model.forecast;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The checkpoint a command serves or scores, declared once for {@code predict} and {@code stream} (a picocli mixin). */
public final class CheckpointOption {
    @Option(names = "--checkpoint", required = true, description = "Forecaster checkpoint directory (from ./mamba-ts train).")
    public Path checkpoint;

    public ForecastModel load() throws IOException {
        return ForecastModel.load(checkpoint);
    }
}
