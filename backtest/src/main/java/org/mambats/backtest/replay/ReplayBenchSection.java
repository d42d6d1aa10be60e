package org.mambats.backtest.replay;

import java.util.Locale;
import org.mambats.model.bench.BenchCommand;

/**
 * The replay-throughput suite of {@code ./mamba-ts bench} ({@code --suites replay}), found through
 * {@code META-INF/services}.
 */
public final class ReplayBenchSection extends BenchCommand.Section {
    public ReplayBenchSection() {
        super("replay", 30, true);
    }

    @Override
    public void run(BenchCommand options) {
        int ticks = options.quick() ? 20_000 : 100_000;
        int rounds = options.quick() ? 1 : 3;
        System.out.println();
        System.out.printf(Locale.ROOT, "Backtest replay, evaluation only (2-layer D=64, %,d synthetic ticks, best of %d rounds) ...%n", ticks, rounds);
        ReplayThroughput.Result r = ReplayThroughput.measure(ticks, rounds);
        System.out.printf(Locale.ROOT, "  replay through ForecastStepper  %,10.0f ticks/s  %,8.0f ns/tick%n", r.replayTicksPerSecond(),
                r.replayNanosPerTick());
        System.out.printf(Locale.ROOT, "  raw MambaStepper.step           %,10.0f ticks/s  %,8.0f ns/tick%n", r.rawStepTicksPerSecond(),
                r.rawStepNanosPerTick());
        System.out.printf(Locale.ROOT, "  the harness adds %.0f%% to the step (validation, features, projections, head, recording)%n",
                100 * r.overhead());
    }
}
