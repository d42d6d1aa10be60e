package org.mambats.model.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.mambats.model.mamba.MambaConfig;
import org.mambats.model.mamba.MambaKernel;
import org.mambats.model.mamba.MambaState;
import org.mambats.model.mamba.MambaStepper;
import org.mambats.model.mamba.MambaWeights;
import org.mambats.model.mamba.MultiplyAddFloor;
import org.mambats.model.mamba.NaiveMambaStep;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH benchmarks of one recurrent step of a 2-layer D=64 (E=128, N=16, K=4) model with tied decays, as {@code train}
 * makes them ({@link MambaConfig#tiedDecays}); the same weights read as free decays (a Hugging Face checkpoint's
 * form) beside it. Run them through {@code ./mamba-ts bench}, which prints the ratios.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class StepBenchmarks {
    /** The benchmarked model's shape: what {@code train} makes by default (2 layers, D=64, tied decays). */
    static final MambaConfig CONFIG = org.mambats.model.train.TrainingRecipe.defaultBackbone();
    static final int D = CONFIG.dModel();
    /** Inputs cycle through this many random vectors, so the step does not see the same input twice in a row. */
    static final int INPUTS = 256;

    static float[][] inputs(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][] in = new float[INPUTS][D];
        for (float[] v : in) {
            for (int i = 0; i < D; i++) {
                v[i] = (float) rnd.nextGaussian();
            }
        }
        return in;
    }

    @State(Scope.Thread)
    public static class Model {
        MambaWeights weights;
        MambaKernel kernel;
        MambaStepper stepper;
        MambaState state;
        MambaStepper untiedStepper;
        MambaState untiedState;
        MultiplyAddFloor floor;
        NaiveMambaStep naive;
        float[][] in;
        float[] out = new float[D];
        int t;

        @Setup(Level.Trial)
        public void setUp() {
            weights = MambaWeights.initialize(CONFIG, 42);
            kernel = MambaKernel.prepare(weights);
            stepper = kernel.newStepper();
            state = kernel.newState();
            MambaKernel untied = MambaKernel.prepare(MambaWeights.initialize(CONFIG.withTiedDecays(false), 42));
            untiedStepper = untied.newStepper();
            untiedState = untied.newState();
            floor = new MultiplyAddFloor(kernel);
            naive = new NaiveMambaStep(weights);
            in = inputs(7);
        }
    }

    /** The project's kernel: SIMD projections, fused scan, polynomial exp. */
    @Benchmark
    public float kernelStep(Model m) {
        m.stepper.step(m.state, m.in[m.t++ & (INPUTS - 1)], m.out);
        return m.out[0];
    }

    /** The same weights as free decays: N exponentials per channel, as for a Hugging Face checkpoint. */
    @Benchmark
    public float kernelStepUntiedDecays(Model m) {
        m.untiedStepper.step(m.untiedState, m.in[m.t++ & (INPUTS - 1)], m.out);
        return m.out[0];
    }

    /** The yardstick: dense scalar loops and Math.exp. */
    @Benchmark
    public float naiveStep(Model m) {
        m.naive.step(m.in[m.t++ & (INPUTS - 1)], m.out);
        return m.out[0];
    }

    /** The arithmetic floor: the kernel's multiply-adds without any of its non-linear functions. */
    @Benchmark
    public float multiplyAddsOnly(Model m) {
        m.floor.step(m.state, m.in[m.t++ & (INPUTS - 1)], m.out);
        return m.out[0];
    }

    /** A stream that has already seen {@code history} ticks: the step must cost the same however long it ran. */
    @State(Scope.Thread)
    public static class History {
        @Param({"1000", "100000", "1000000"})
        public int history;
        MambaStepper stepper;
        MambaState state;
        float[][] in;
        float[] out = new float[D];
        int t;

        @Setup(Level.Trial)
        public void setUp() {
            MambaKernel kernel = MambaKernel.prepare(MambaWeights.initialize(CONFIG, 42));
            stepper = kernel.newStepper();
            state = kernel.newState();
            in = inputs(9);
            for (int i = 0; i < history; i++) {
                stepper.step(state, in[i & (INPUTS - 1)], out);
            }
            if (!state.isFinite()) {
                throw new IllegalStateException("state went non-finite after " + history + " steps");
            }
        }
    }

    @Benchmark
    public float kernelStepAfterHistory(History h) {
        h.stepper.step(h.state, h.in[h.t++ & (INPUTS - 1)], h.out);
        return h.out[0];
    }
}
