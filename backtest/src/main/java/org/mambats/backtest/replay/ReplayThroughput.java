package org.mambats.backtest.replay;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.mambats.model.dataset.SyntheticTicks;
import org.mambats.model.features.Horizon;
import org.mambats.model.features.TickFeatures;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.forecast.ForecasterWeights;
import org.mambats.model.mamba.MambaConfig;
import org.mambats.model.mamba.MambaKernel;
import org.mambats.model.mamba.MambaState;
import org.mambats.model.mamba.MambaStepper;
import org.mambats.model.tick.TickValidator;
import org.mambats.model.train.DataDefaults;

/**
 * Replay throughput, evaluation only: ticks per second of the backtest's replay ({@link StepperReplay}: validation,
 * features, normalisation, input projection, the step, the head, and copying each forecast into the evaluation
 * arrays, as the backtest does; no CSV, no Kafka) for a 2-layer D=64 model, next to the raw recurrent step
 * ({@link MambaStepper#step}) of the same backbone in the same run. The two alternate, and each figure is the best
 * of the rounds, so both see the same machine load.
 */
public final class ReplayThroughput {
    private ReplayThroughput() {
    }

    /**
     * @param overhead replay time per tick over raw-step time per tick, minus 1 (0.2 = the harness adds 20%)
     */
    public record Result(double replayTicksPerSecond, double rawStepTicksPerSecond, int ticks, int rounds) {
        public double overhead() {
            return rawStepTicksPerSecond / replayTicksPerSecond - 1;
        }

        public double replayNanosPerTick() {
            return 1e9 / replayTicksPerSecond;
        }

        public double rawStepNanosPerTick() {
            return 1e9 / rawStepTicksPerSecond;
        }
    }

    /** The benchmark's model: 2 layers, D=64 (E=128, N=16, K=4), six features, four horizons, three quantiles, random weights. */
    public static ForecastModel benchmarkModel(long seed) {
        MambaConfig c = org.mambats.model.train.TrainingRecipe.defaultBackbone();
        List<Horizon> horizons = Horizon.parseList(DataDefaults.TRADE_HORIZONS);
        ForecasterWeights w = ForecasterWeights.initialize(c, TickFeatures.COUNT, horizons.size(), 3, seed);
        ForecastModel.Settings s = new ForecastModel.Settings();
        s.horizons = horizons;
        s.quantiles = org.mambats.model.forecast.Forecast.standardLevels();
        s.targetScale = new float[] {1e-4f, 3e-4f, 6e-4f, 1e-3f};
        s.featureMean = new float[TickFeatures.COUNT];
        s.featureStd = new float[] {1e-4f, 1f, 1f, 1f, 1f, 1f};
        ObjectNode config = c.toJson();
        config.set(ForecastModel.CONFIG_KEY, s.toJson());
        return new ForecastModel(w, s, config, "benchmark");
    }

    /** Measures with {@code ticks} synthetic ticks per round, {@code rounds} rounds after one warm-up round. */
    public static Result measure(int ticks, int rounds) {
        ForecastModel model = benchmarkModel(7);
        MarketData data;
        Path dir = null;
        try {
            dir = Files.createTempDirectory("replay-bench");
            Path csv = dir.resolve("ticks.csv");
            new SyntheticTicks(ticks, 0.1, 1e-4, 3e-4, 0.999, 250, 5).writeCsv(csv, "SYN");
            data = MarketData.read(csv.toString(), null, DataDefaults.TRADE_VOL_HALF_LIFE, TickValidator.DEFAULT_GRACE_MILLIS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (dir != null) {
                try (var files = Files.list(dir)) {
                    for (Path p : files.toList()) {
                        Files.deleteIfExists(p);
                    }
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // a temp file left behind is harmless
                }
            }
        }
        int per = model.nOutputs();
        float[] eval = new float[data.rows() * per];
        MambaKernel kernel = MambaKernel.prepare(model.weights().backbone());
        MambaStepper raw = kernel.newStepper();
        SplittableRandom rnd = new SplittableRandom(3);
        float[][] inputs = new float[256][64];
        for (float[] v : inputs) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rnd.nextGaussian();
            }
        }
        float[] out = new float[64];
        double bestReplay = 0, bestRaw = 0;
        float sink = 0;
        for (int round = 0; round <= rounds; round++) {
            StepperReplay.Stats st;
            try {
                st = StepperReplay.replay(model, data, 0, data.rows(), 0,
                        (p, tick, q, modelQ) -> System.arraycopy(q, 0, eval, p * per, per), null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            MambaState state = kernel.newState();
            long t0 = System.nanoTime();
            for (int i = 0; i < ticks; i++) {
                raw.step(state, inputs[i & 255], out);
            }
            double rawSeconds = (System.nanoTime() - t0) / 1e9;
            sink += out[0];
            if (round > 0) {
                bestReplay = Math.max(bestReplay, st.ticksPerSecond());
                bestRaw = Math.max(bestRaw, ticks / rawSeconds);
            }
        }
        if (Float.isNaN(sink) || Float.isNaN(eval[eval.length - 1])) {
            throw new IllegalStateException("benchmark produced NaN");
        }
        return new Result(bestReplay, bestRaw, ticks, rounds);
    }

    /** {@code java ... ReplayThroughput [ticks] [rounds]} */
    public static void main(String[] args) {
        int ticks = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Result r = measure(ticks, rounds);
        System.out.printf("replay through ForecastStepper: %,.0f ticks/s (%,.0f ns/tick); raw MambaStepper.step: %,.0f ticks/s (%,.0f ns/tick); "
                        + "harness adds %.0f%%%n", r.replayTicksPerSecond(), r.replayNanosPerTick(), r.rawStepTicksPerSecond(),
                r.rawStepNanosPerTick(), 100 * r.overhead());
    }
}
