package org.mambats.service.load;

import org.mambats.model.bench.BenchCommand;

/**
 * The dashboard load test as a suite of {@code ./mamba-ts bench} ({@code --suites service}), found through
 * {@code META-INF/services}. Not in a plain {@code bench}: it takes several minutes.
 */
public final class ServiceBenchSection extends BenchCommand.Section {
    public ServiceBenchSection() {
        super("service", 60, false);
    }

    @Override
    public void run(BenchCommand options) throws Exception {
        DashboardLoad.bench(System.out, options.quick());
    }
}
