package org.mambats.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mambats.model.forecast.ForecasterWeights;
import org.mambats.model.io.Tensor;
import org.mambats.model.mamba.MambaConfig;

/**
 * The engine's hand-derived backward against central finite differences, for every element of every parameter
 * tensor (backbone blocks, norm_f, input projection, head). The differences are taken of the double-precision
 * {@link ReferenceForecaster}, written independently from the block's definition (docs/ARCHITECTURE.md), so they are accurate to about 1e-9 and check the
 * float32 engine against the model's definition rather than against itself. The engine's forward (quantiles and
 * final states) is checked against the same reference first.
 */
class GradientCheckTest {
    private static ForecasterEngine engine;

    @BeforeAll
    static void start() {
        engine = new ForecasterEngine(2);
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    enum Case {
        /** zero initial state, no delta scaling, every tick valid */
        PLAIN(false, false, false, false),
        /** per-tick delta scaling, non-zero initial conv and SSM state, padding, unknown targets */
        DELTA_SCALED_WITH_STATE(true, true, true, false),
        /** no delta scaling but non-zero state and padding */
        STATE_ONLY(false, true, true, false),
        /** in_proj/out_proj biases on (use_bias), delta scaling, non-zero state */
        WITH_LINEAR_BIASES(true, true, false, true);

        final boolean deltaScale;
        final boolean initialState;
        final boolean padding;
        final boolean linearBias;

        Case(boolean deltaScale, boolean initialState, boolean padding, boolean linearBias) {
            this.deltaScale = deltaScale;
            this.initialState = initialState;
            this.padding = padding;
            this.linearBias = linearBias;
        }
    }

    /** Tiny dims: D=8 (E=16), 2 layers, N=4, K=4, R=2, F=3, H=2, Q=3, B=2, L=6. */
    static MambaConfig tinyConfig(boolean linearBias) {
        return new MambaConfig(8, 2, 4, 2, 16, 4, 2, 1e-5f, true, linearBias);
    }

    /** Reference init plus noise on every tensor, so no term of the backward is hidden by a default value. */
    static ForecasterWeights randomWeights(MambaConfig c, int f, int h, int q, long seed) {
        ForecasterWeights w = ForecasterWeights.initialize(c, f, h, q, seed);
        SplittableRandom rnd = new SplittableRandom(seed + 1);
        for (Map.Entry<String, Tensor> e : w.toTensors().entrySet()) {
            float[] a = e.getValue().data();
            double scale = e.getKey().endsWith("norm.weight") || e.getKey().endsWith("norm_f.weight") ? 0.3
                    : e.getKey().endsWith("dt_proj.bias") ? 0.5
                    : e.getKey().endsWith("A_log") || e.getKey().endsWith(".D") ? 0.3 : 0.2;
            for (int i = 0; i < a.length; i++) {
                a[i] += (float) ((rnd.nextDouble() * 2 - 1) * scale);
            }
            if (e.getKey().endsWith("dt_proj.bias")) {
                // delta of order 0.2..1 instead of the reference's 0.001..0.1: with tiny steps the gradients of
                // A_log and dt_proj are ~1e-6 and float32 rounding, not the derivation, would decide the check
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) (-1.5 + 2 * rnd.nextDouble());
                }
            }
        }
        return w;
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void backwardMatchesFiniteDifferences(Case cs) {
        int f = 3, h = 2, q = 3, batch = 2, length = 6;
        MambaConfig c = tinyConfig(cs.linearBias);
        ForecasterWeights w = randomWeights(c, f, h, q, 11 + cs.ordinal());
        SplittableRandom rnd = new SplittableRandom(100 + cs.ordinal());
        int t = batch * length;
        float[] features = new float[t * f];
        for (int i = 0; i < features.length; i++) {
            features[i] = (float) rnd.nextGaussian();
        }
        float[] g = null;
        if (cs.deltaScale) {
            g = new float[t];
            for (int i = 0; i < t; i++) {
                g[i] = (float) (0.3 + 2.5 * rnd.nextDouble());
            }
        }
        BatchState init = null;
        if (cs.initialState) {
            init = BatchState.zeros(c, batch);
            for (int b = 0; b < batch; b++) {
                for (int l = 0; l < c.nLayers(); l++) {
                    float[] conv = new float[init.convLength()];
                    for (int i = 0; i < conv.length; i++) {
                        conv[i] = (float) rnd.nextGaussian();
                    }
                    float[] ssm = new float[init.ssmLength()];
                    for (int i = 0; i < ssm.length; i++) {
                        ssm[i] = (float) rnd.nextGaussian();
                    }
                    init.setConvState(b, l, conv);
                    init.setSsmState(b, l, ssm);
                }
            }
        }
        int[] valid = cs.padding ? new int[] {length, 2} : null;
        float[] targets = new float[t * h];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = (float) (rnd.nextGaussian() * 1.5);
        }
        if (cs.padding) {
            for (int tt = 2; tt < length; tt++) {
                for (int hh = 0; hh < h; hh++) {
                    targets[(length + tt) * h + hh] = Float.NaN; // lane 1 is padding after 2 ticks
                }
            }
            targets[3 * h + 1] = Float.NaN; // an unknown target inside a valid lane
        }
        float[] levels = {0.1f, 0.5f, 0.9f};
        PinballLoss loss = new PinballLoss(levels);
        SequenceBatch sb = new SequenceBatch(batch, length, features, g, valid);

        // forward: quantiles and final states against the reference
        ForecasterEngine.Pass pass = engine.forward(w, sb, init);
        ReferenceForecaster ref = new ReferenceForecaster(w);
        ReferenceForecaster.Out ro = ref.forward(features, null, g, init, batch, length, valid);
        assertClose(ro.quantiles, pass.quantiles(), 2e-5, "quantiles");
        for (int b = 0; b < batch; b++) {
            for (int l = 0; l < c.nLayers(); l++) {
                assertClose(ro.conv[b][l], pass.finalState().convState(b, l), 2e-5, "conv state lane " + b + " layer " + l);
                assertClose(ro.ssm[b][l], pass.finalState().ssmState(b, l), 2e-5, "ssm state lane " + b + " layer " + l);
            }
        }
        for (int i = 0; i < t * h * q; i++) {
            float[] qs = pass.quantiles();
            if (i % q > 0) {
                assertTrue(qs[i] >= qs[i - 1], "quantiles must not cross");
            }
        }

        // backward
        float[] dq = new float[t * h * q];
        double engineLoss = loss.evaluate(pass.quantiles(), targets, h, dq).mean();
        double refLoss = ReferenceForecaster.loss(ro.quantiles, targets, levels);
        assertEquals(refLoss, engineLoss, 1e-5 * Math.max(1, Math.abs(refLoss)), "loss");
        ForecasterWeights grads = engine.backward(pass, dq);

        // finite differences of the double reference, every element of every tensor
        Map<String, Tensor> analytic = grads.toTensors();
        assertEquals(w.toTensors().keySet(), analytic.keySet());
        List<String> failures = new ArrayList<>();
        double eps = 1e-6;
        for (String name : ref.p.keySet()) {
            double[] theta = ref.p.get(name);
            float[] ga = analytic.get(name).data();
            double[] fd = new double[theta.length];
            double scale = 0;
            for (int i = 0; i < theta.length; i++) {
                double keep = theta[i];
                theta[i] = keep + eps;
                double up = ReferenceForecaster.loss(ref.forward(features, null, g, init, batch, length, valid).quantiles, targets, levels);
                theta[i] = keep - eps;
                double down = ReferenceForecaster.loss(ref.forward(features, null, g, init, batch, length, valid).quantiles, targets, levels);
                theta[i] = keep;
                fd[i] = (up - down) / (2 * eps);
                scale = Math.max(scale, Math.abs(fd[i]));
            }
            assertTrue(scale > 0, "tensor " + name + " has an all-zero gradient: the check would prove nothing");
            // (1) the tensor's gradient as a vector: relative error in norm; (2) every element, with a floor of
            // 1e-3 of the tensor's largest gradient (float32 rounding of elements far below it is not a derivation
            // error: tiny elements come out of sums whose terms are orders of magnitude larger)
            double diff2 = 0, norm2 = 0, worst = 0;
            int worstAt = 0;
            for (int i = 0; i < theta.length; i++) {
                double d = ga[i] - fd[i];
                diff2 += d * d;
                norm2 += fd[i] * fd[i];
                double err = Math.abs(d) / (2e-3 * Math.abs(fd[i]) + 1e-3 * scale);
                if (err > worst) {
                    worst = err;
                    worstAt = i;
                }
            }
            double normErr = Math.sqrt(diff2 / norm2);
            if (normErr > 1e-3 || worst > 1) {
                failures.add(String.format("%s: relative error in norm %.2e; worst element %d: analytic %.6e, finite"
                        + " difference %.6e (tensor gradient scale %.3e)", name, normErr, worstAt, ga[worstAt],
                        fd[worstAt], scale));
            }
        }
        assertTrue(failures.isEmpty(), cs + ": gradients differ from finite differences:\n" + String.join("\n", failures));
    }

    /**
     * Tied decays: a channel's A_log row is one parameter (its rate, every column shifted together), so its
     * gradient is the derivative of the loss along that shift, the same in every column.
     */
    @org.junit.jupiter.api.Test
    void tiedDecaysGiveEachRowTheDerivativeOfItsRate() {
        int f = 3, h = 2, q = 3, batch = 2, length = 6;
        MambaConfig c = tinyConfig(false).withTiedDecays(true);
        ForecasterWeights w = randomWeights(c, f, h, q, 31);
        for (int l = 0; l < c.nLayers(); l++) {
            org.mambats.model.mamba.MambaWeights.tie(w.backbone().layer(l).aLog, c.dInner(), c.dState());
        }
        SplittableRandom rnd = new SplittableRandom(131);
        int t = batch * length;
        float[] features = new float[t * f];
        for (int i = 0; i < features.length; i++) {
            features[i] = (float) rnd.nextGaussian();
        }
        float[] targets = new float[t * h];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = (float) (rnd.nextGaussian() * 1.5);
        }
        float[] levels = {0.1f, 0.5f, 0.9f};
        ForecasterEngine.Pass pass = engine.forward(w, new SequenceBatch(batch, length, features, null, null), null);
        float[] dq = new float[t * h * q];
        new PinballLoss(levels).evaluate(pass.quantiles(), targets, h, dq);
        Map<String, Tensor> analytic = engine.backward(pass, dq).toTensors();
        ReferenceForecaster ref = new ReferenceForecaster(w);
        int e = c.dInner(), n = c.dState();
        double eps = 1e-6;
        int checked = 0;
        for (String name : ref.p.keySet()) {
            if (!name.endsWith("A_log")) {
                continue;
            }
            double[] theta = ref.p.get(name);
            float[] ga = analytic.get(name).data();
            for (int ch = 0; ch < e; ch++) {
                for (int j = 0; j < n; j++) {
                    assertEquals(ga[ch * n], ga[ch * n + j], 0f, name + " row " + ch + " is one parameter");
                }
                for (int j = 0; j < n; j++) {
                    theta[ch * n + j] += eps;
                }
                double up = ReferenceForecaster.loss(ref.forward(features, null, null, null, batch, length, null).quantiles, targets, levels);
                for (int j = 0; j < n; j++) {
                    theta[ch * n + j] -= 2 * eps;
                }
                double down = ReferenceForecaster.loss(ref.forward(features, null, null, null, batch, length, null).quantiles, targets, levels);
                for (int j = 0; j < n; j++) {
                    theta[ch * n + j] += eps;
                }
                double fd = (up - down) / (2 * eps);
                assertEquals(fd, ga[ch * n], 2e-3 * Math.abs(fd) + 1e-6, name + " row " + ch + ": the rate's derivative");
                checked++;
            }
        }
        assertEquals(c.nLayers() * e, checked);
    }

    static void assertClose(double[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double scale = 0;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol * Math.max(1, scale), what + " [" + i + "]");
        }
    }
}
