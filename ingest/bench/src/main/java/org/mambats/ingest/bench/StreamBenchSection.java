package org.mambats.ingest.bench;

import org.mambats.model.bench.BenchCommand;

/** The live path's suite of {@code ./mamba-ts bench} ({@code --suites stream}), found through {@code META-INF/services}. */
public final class StreamBenchSection extends BenchCommand.Section {
    public StreamBenchSection() {
        super("stream", 40, true);
    }

    @Override
    public void run(BenchCommand options) throws Exception {
        new StreamBenchmark(System.out, options.quick()).run();
    }
}
