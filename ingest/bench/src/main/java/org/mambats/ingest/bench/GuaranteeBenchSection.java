package org.mambats.ingest.bench;

import org.mambats.model.bench.BenchCommand;

/**
 * The latency choices' suite of {@code ./mamba-ts bench} ({@code --suites latency}): throughput and tail latency for
 * each processing guarantee and commit interval. Not in the default run: it took about seven minutes here.
 */
public final class GuaranteeBenchSection extends BenchCommand.Section {
    public GuaranteeBenchSection() {
        super("latency", 45, false);
    }

    @Override
    public void run(BenchCommand options) throws Exception {
        new StreamBenchmark(System.out, options.quick()).runGuarantees();
    }
}
