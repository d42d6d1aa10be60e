package org.mambats.ingest.bench;

import org.mambats.ingest.sink.SinkBenchmark;
import org.mambats.model.bench.BenchCommand;

/** The sink's suite of {@code ./mamba-ts bench} ({@code --suites sink}), found through {@code META-INF/services}. */
public final class SinkBenchSection extends BenchCommand.Section {
    public SinkBenchSection() {
        super("sink", 50, true);
    }

    @Override
    public void run(BenchCommand options) throws Exception {
        SinkBenchmark.run(System.out, options.quick());
    }
}
