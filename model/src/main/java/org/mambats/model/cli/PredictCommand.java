package org.mambats.model.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mambats.model.forecast.CheckpointOption;
import org.mambats.model.forecast.ForecastCsvWriter;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.forecast.ForecastStepper;
import org.mambats.model.tick.RowCounts;
import org.mambats.model.tick.TickFileOptions;
import org.mambats.model.tick.ValidatedRows;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./mamba-ts predict}: batch scoring. Runs the streaming step over a CSV of ticks, one symbol state per
 * symbol, exactly as the live operator does, and writes one row per accepted tick and horizon.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Score a CSV of ticks with a trained checkpoint through the streaming step; writes "
                + "seq,symbol,ts,price,horizon,q<level>... (predicted log returns), one row per accepted tick and horizon.")
public class PredictCommand implements Callable<Integer> {
    @Mixin
    CheckpointOption checkpoint = new CheckpointOption();
    @Mixin
    TickFileOptions file = new TickFileOptions();
    @Option(names = "--output", required = true, description = "Forecasts CSV to write.")
    Path output;

    @Override
    public Integer call() throws Exception {
        ForecastModel model = checkpoint.load();
        RowCounts stats = new RowCounts();
        try (BufferedWriter out = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
            new ForecastCsvWriter(out, model.horizons(), model.quantiles()).header();
            predict(model, file.data, file.symbol, out, stats);
        }
        System.err.printf("predict: %d rows, %d accepted, %d duplicates, %d rejected, %d unparseable -> %s (model %s %s)%n",
                stats.rows, stats.accepted, stats.duplicates, stats.rejected, stats.unparseable, output, model.name(), model.version());
        stats.reasons.lines().forEach(l -> System.err.println("predict:   " + l));
        return 0;
    }

    /**
     * Scores every row of {@code data}: a tick without its own sequence number gets its 0-based row index, as
     * {@code ./mamba-ts publish} does, so the two paths validate identically.
     */
    public static void predict(ForecastModel model, String data, String onlySymbol, Writer out, RowCounts counts) throws IOException {
        ForecastStepper stepper = model.newStepper();
        ForecastCsvWriter csv = new ForecastCsvWriter(out, model.horizons(), model.quantiles());
        ValidatedRows.read(data, onlySymbol, s -> model.newState(), stepper::process,
                (row, t, state) -> csv.write(row.index(), t, row.timeText(), stepper.quantiles()), counts);
    }
}
