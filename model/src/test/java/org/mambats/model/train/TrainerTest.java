package org.mambats.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.model.forecast.ForecasterWeights;
import org.mambats.model.mamba.MambaCheckpoint;
import org.mambats.model.io.Tensor;
import org.mambats.model.mamba.MambaConfig;

class TrainerTest {

    /**
     * AR(1) returns r_{t+1} = phi r_t + sigma_t eps, with sigma_t switching between two volatility regimes
     * (a persistent Markov chain). Features: r_t and |r_t| scaled; targets: the next return (horizon 1) and the sum
     * of the next two (horizon 2). Also returns the loss of the best possible predictor (knowing phi and the
     * regime) and of the best constant (no-information) forecast.
     */
    record Synthetic(TrainingSequence seq, double bestLoss, double constantLoss) {
    }

    static final float[] LEVELS = {0.1f, 0.5f, 0.9f};
    static final double[] Z = {-1.2815516, 0.0, 1.2815516};

    static Synthetic ar1(int n, long seed) {
        double phi = 0.7;
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] r = new double[n + 3];
        double[] sig = new double[n + 3];
        boolean high = false;
        for (int t = 1; t < r.length; t++) {
            if (rnd.nextDouble() < 0.01) {
                high = !high;
            }
            sig[t] = high ? 2.0 : 0.5;
            r[t] = phi * r[t - 1] + sig[t] * rnd.nextGaussian();
        }
        float[] features = new float[n * 2];
        float[] targets = new float[n * 2];
        double best = 0, cnt = 0;
        List<double[]> pairs = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            features[2 * t] = (float) r[t];
            features[2 * t + 1] = (float) (Math.abs(r[t]) - 1);
            double y1 = r[t + 1], y2 = r[t + 1] + r[t + 2];
            targets[2 * t] = (float) y1;
            targets[2 * t + 1] = (float) (y2 / 2);
            // best predictor: knows phi and the regime of the next ticks (approximately: the current one)
            double s1 = sig[t + 1], s2 = Math.sqrt(Math.pow((1 + phi) * sig[t + 1], 2) + sig[t + 2] * sig[t + 2]);
            double m1 = phi * r[t], m2 = phi * (1 + phi) * r[t];
            for (int j = 0; j < 3; j++) {
                best += pinball(y1 - (m1 + Z[j] * s1), LEVELS[j]);
                best += pinball((y2 - (m2 + Z[j] * s2)) / 2, LEVELS[j]);
                cnt += 2;
            }
            pairs.add(new double[] {y1, y2 / 2});
        }
        // best constant: the empirical quantiles of each target
        double constant = 0;
        for (int h = 0; h < 2; h++) {
            double[] ys = new double[n];
            for (int t = 0; t < n; t++) {
                ys[t] = pairs.get(t)[h];
            }
            double[] sorted = ys.clone();
            Arrays.sort(sorted);
            for (int j = 0; j < 3; j++) {
                double q = sorted[(int) (LEVELS[j] * (n - 1))];
                for (double y : ys) {
                    constant += pinball(y - q, LEVELS[j]);
                }
            }
        }
        return new Synthetic(new TrainingSequence(n, features, targets, null), best / cnt, constant / (n * 6.0));
    }

    static double pinball(double u, double tau) {
        return Math.max(tau * u, (tau - 1) * u);
    }

    static TrainerConfig smallConfig() {
        return TrainerConfig.defaults().with(b -> {
            b.batchSize = 16;
            b.windowLength = 128;
            b.epochs = 12;
            b.learningRate = 1e-2;
            b.warmupSteps = 10;
            b.weightDecay = 1e-4;
            b.patience = 4;
            b.seed = 5;
            b.threads = 2;
        });
    }

    @Test
    void learnsAnAr1ProcessWithVolatilityRegimes() {
        assertTrue(Runtime.version().feature() >= 25, "ND4J trains on Java " + Runtime.version());
        Synthetic train = ar1(24_000, 1);
        Synthetic val = ar1(6_000, 2);
        MambaConfig c = new MambaConfig(16, 1, 8, 2, 32, 4, 1, 1e-5f, true, false);
        List<Double> epochs = new ArrayList<>();
        try (Trainer trainer = Trainer.create(c, 2, 2, smallConfig())) {
            double before = trainer.evaluate(List.of(val.seq())).mean();
            Trainer.FitResult fit = trainer.fit(List.of(train.seq()), List.of(val.seq()), new TrainingListener() {
                @Override
                public boolean onEpoch(EpochInfo info) {
                    epochs.add(info.validationLoss());
                    return true;
                }
            });
            double after = trainer.evaluate(List.of(val.seq())).mean();
            String summary = String.format("before %.4f, after %.4f, best possible %.4f, best constant %.4f, epochs %s",
                    before, after, val.bestLoss(), val.constantLoss(), epochs);
            System.out.println("synthetic AR(1): " + summary);
            assertEquals(fit.bestValidationLoss(), after, 1e-9, "the best epoch's weights are restored");
            assertTrue(after < 0.75 * val.constantLoss(), "clearly below the no-information forecast: " + summary);
            assertTrue(after < 1.08 * val.bestLoss(), "close to the best possible predictor: " + summary);
            assertTrue(after < 0.6 * before, "the loss decreases clearly: " + summary);
        }
    }

    /**
     * With tied decays the trained A_log is still tied exactly (every row its rate plus ln(n+1)), the rates moved,
     * and the model learns the AR(1) process as closely as with free decays.
     */
    @Test
    void tiedDecaysLearnTheAr1ProcessAndStayTied() throws Exception {
        Synthetic train = ar1(24_000, 1);
        Synthetic val = ar1(6_000, 2);
        MambaConfig c = new MambaConfig(16, 1, 8, 2, 32, 4, 1, 1e-5f, true, false).withTiedDecays(true);
        try (Trainer trainer = Trainer.create(c, 2, 2, smallConfig())) {
            trainer.fit(List.of(train.seq()), List.of(val.seq()), null);
            double after = trainer.evaluate(List.of(val.seq())).mean();
            System.out.printf("synthetic AR(1), tied decays: after %.4f, best possible %.4f%n", after, val.bestLoss());
            assertTrue(after < 1.08 * val.bestLoss(), "close to the best possible predictor: " + after + " vs " + val.bestLoss());
            float[] aLog = trainer.weights().backbone().layer(0).aLog;
            float[] tied = aLog.clone();
            org.mambats.model.mamba.MambaWeights.tie(tied, c.dInner(), c.dState());
            assertArrayEquals(tied, aLog, 0f, "A_log is tied exactly after training");
            double moved = 0;
            for (int ch = 0; ch < c.dInner(); ch++) {
                moved = Math.max(moved, Math.abs(aLog[ch * c.dState()]));
            }
            assertTrue(moved > 1e-3, "the rates were trained: largest |A_log[e][0]| " + moved);
            // the checkpoint form loads as tied
            org.mambats.model.mamba.MambaWeights.fromTensors(c, trainer.weights().backbone().toTensors(""));
        }
    }

    @Test
    void sameSeedGivesIdenticalWeights() {
        Synthetic data = ar1(3_000, 3);
        TrainerConfig cfg = smallConfig().with(b -> { b.epochs = 2; b.batchSize = 8; b.windowLength = 64; });
        MambaConfig c = new MambaConfig(8, 2, 4, 2, 16, 4, 1, 1e-5f, true, false);
        float[][] runs = new float[4][];
        for (int i = 0; i < 4; i++) {
            int run = i;
            TrainerConfig ci = cfg.with(b -> {
                b.seed = run == 2 ? 10 : 9;
                b.threads = run == 3 ? 1 : 2;
            });
            try (Trainer trainer = Trainer.create(c, 2, 2, ci)) {
                trainer.fit(List.of(data.seq(), ar1(700, 4).seq()), null, null);
                assertTrue(trainer.iteration() > 5);
                runs[i] = trainer.weights().flatten();
            }
        }
        assertArrayEquals(runs[0], runs[1], "same seed, same weights bit for bit");
        assertArrayEquals(runs[0], runs[3], "the number of worker threads does not change the result");
        assertFalse(Arrays.equals(runs[0], runs[2]), "another seed, other weights");
        float[] init = ForecasterWeights.initialize(c, 2, 2, 3, 9).flatten();
        assertFalse(Arrays.equals(init, runs[0]), "the weights moved");
    }

    @Test
    void deltaScalingAndStateCarryRun() {
        Synthetic data = ar1(2_000, 6);
        float[] g = new float[2_000];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) Math.exp(rnd.nextGaussian());
        }
        TrainingSequence seq = new TrainingSequence(2_000, data.seq().features(), data.seq().targets(), g);
        MambaConfig c = new MambaConfig(8, 1, 4, 2, 16, 4, 1, 1e-5f, true, false);
        List<TrainingListener.StepInfo> steps = new ArrayList<>();
        try (Trainer trainer = Trainer.create(c, 2, 2, smallConfig().with(b -> { b.epochs = 2; b.patience = 0; }))) {
            Trainer.FitResult r = trainer.fit(List.of(seq), List.of(seq), new TrainingListener() {
                @Override
                public void onStep(StepInfo info) {
                    steps.add(info);
                }
            });
            assertEquals(2, r.epochsRun());
            assertFalse(steps.isEmpty());
            for (TrainingListener.StepInfo s : steps) {
                assertTrue(Double.isFinite(s.loss()) && s.gradNorm() > 0 && s.learningRate() > 0, s.toString());
            }
        }
    }

    @Test
    void earlyStoppingStopsAndListenerCanStop() {
        Synthetic data = ar1(1_500, 7);
        MambaConfig c = new MambaConfig(8, 1, 4, 2, 16, 4, 1, 1e-5f, true, false);
        try (Trainer trainer = Trainer.create(c, 2, 2, smallConfig().with(b -> {
            b.epochs = 50;
            b.patience = 2;
            b.minDelta = 1e-3;
            b.learningRate = 1e-7;
            b.warmupSteps = 0;
        }))) {
            // a learning rate too small to improve by minDelta: stops two epochs after the first
            Trainer.FitResult r = trainer.fit(List.of(data.seq()), List.of(ar1(500, 8).seq()), null);
            assertTrue(r.stoppedEarly(), "stopped early");
            assertEquals(3, r.epochsRun());
            assertEquals(0, r.bestEpoch());
        }
        try (Trainer trainer = Trainer.create(c, 2, 2, smallConfig().with(b -> { b.epochs = 50; }))) {
            Trainer.FitResult r = trainer.fit(List.of(data.seq()), null, new TrainingListener() {
                @Override
                public boolean onEpoch(EpochInfo info) {
                    return info.epoch() < 2;
                }
            });
            assertEquals(3, r.epochsRun());
            assertTrue(r.stoppedEarly());
        }
    }

    @Test
    void windowPlanCarriesOnlyBetweenConsecutiveWindows() {
        WindowPlan plan = WindowPlan.build(new int[] {10, 7}, new int[] {0, 1}, 3, 4, 1);
        // windows: seq0 [0,1) [1,5) [5,9) [9,10); seq1 [0,1) [1,5) [5,7) -> 7 windows over 3 lanes (2, 2, 3)
        long ticks = plan.ticks();
        assertEquals(17, ticks);
        assertEquals(3, plan.lanes.size());
        assertEquals(3, plan.steps);
        for (List<WindowPlan.Window> lane : plan.lanes) {
            assertFalse(lane.get(0).continues(), "a lane starts from zeros");
            for (int i = 1; i < lane.size(); i++) {
                WindowPlan.Window a = lane.get(i - 1), b = lane.get(i);
                assertEquals(a.sequence() == b.sequence() && a.start() + a.length() == b.start(), b.continues());
            }
        }
    }

    @Test
    void benchmarkHarnessRuns() {
        TrainingBenchmark.Result r = TrainingBenchmark.run(0, 1, 2);
        assertTrue(r.ticksPerSecond() > 0 && r.steps() == 1);
    }

    @Test
    void checkpointRoundTrip(@TempDir Path dir) throws Exception {
        MambaConfig c = MambaConfig.of(16, 2);
        ForecasterWeights w = ForecasterWeights.initialize(c, 6, 3, 3, 77);
        com.fasterxml.jackson.databind.node.ObjectNode json = c.toJson();
        json.put("forecaster_note", "kept");
        w.toCheckpoint(json).save(dir);
        assertTrue(Files.exists(dir.resolve("model.safetensors")));
        MambaCheckpoint ck = MambaCheckpoint.load(dir);
        assertEquals("kept", ck.config().get("forecaster_note").asText());
        assertEquals(4, ck.extraTensors().size());
        ForecasterWeights back = ForecasterWeights.fromCheckpoint(ck, 3, 3);
        assertEquals(6, back.nFeatures());
        Map<String, Tensor> a = w.toTensors(), b = back.toTensors();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertEquals(a.get(k), b.get(k), k);
        }
        assertTrue(a.containsKey("forecaster.input_proj.weight") && a.containsKey("forecaster.head.bias"));
        assertArrayEquals(new int[] {9, 16}, a.get("forecaster.head.weight").shape());
    }
}
