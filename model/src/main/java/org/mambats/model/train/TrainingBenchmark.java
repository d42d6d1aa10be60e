package org.mambats.model.train;

import java.util.SplittableRandom;
import org.mambats.model.mamba.MambaConfig;

/**
 * Training throughput of the reference configuration of the issue: 6 features -> 2-layer D=64 Mamba (E=128, N=16,
 * K=4, R=4) -> 3 horizons x 3 quantiles, batch 32 x 256 ticks, pinball loss, Adam(W) with clipping, the state
 * carried from step to step. Counts ticks (B*L per step) per second of wall time, forward + backward + update.
 */
public final class TrainingBenchmark {
    private TrainingBenchmark() {
    }

    /** Result: ticks per second and the mean milliseconds per step. */
    public record Result(double ticksPerSecond, double millisPerStep, int steps) {
    }

    /**
     * Runs {@code warmupSteps} untimed steps (JIT) and then {@code steps} timed ones.
     *
     * @param threads worker threads for the per-lane loops (0 = all processors)
     */
    public static Result run(int warmupSteps, int steps, int threads) {
        int f = 6, h = 3, batch = 32, length = 256;
        MambaConfig c = TrainingRecipe.defaultBackbone();
        TrainerConfig cfg = TrainerConfig.defaults().with(b -> {
            b.batchSize = batch;
            b.windowLength = length;
            b.seed = 1;
            if (threads > 0) {
                b.threads = threads;
            }
        });
        SplittableRandom rnd = new SplittableRandom(3);
        float[] features = new float[batch * length * f];
        float[] targets = new float[batch * length * h];
        try (Trainer trainer = Trainer.create(c, f, h, cfg)) {
            BatchState state = null;
            long start = 0;
            for (int i = 0; i < warmupSteps + steps; i++) {
                if (i == warmupSteps) {
                    start = System.nanoTime();
                }
                for (int j = 0; j < features.length; j++) {
                    features[j] = (float) rnd.nextGaussian();
                }
                for (int j = 0; j < targets.length; j++) {
                    targets[j] = (float) rnd.nextGaussian();
                }
                state = trainer.step(new SequenceBatch(batch, length, features), targets, state).finalState();
            }
            double secs = (System.nanoTime() - start) / 1e9;
            return new Result((double) steps * batch * length / secs, secs * 1000 / steps, steps);
        }
    }

    /** {@code java ... org.mambats.model.train.TrainingBenchmark [steps] [threads]} */
    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        long t0 = System.nanoTime();
        Result r = run(5, steps, threads);
        System.out.printf("training throughput: %.0f ticks/s (%.1f ms per 32x256 step, %d steps; total %.1f s incl."
                + " start-up)%n", r.ticksPerSecond(), r.millisPerStep(), r.steps(), (System.nanoTime() - t0) / 1e9);
    }
}
