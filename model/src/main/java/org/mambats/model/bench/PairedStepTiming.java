package org.mambats.model.bench;

import java.util.Arrays;
import org.mambats.model.mamba.MambaKernel;
import org.mambats.model.mamba.MambaState;
import org.mambats.model.mamba.MambaStepper;
import org.mambats.model.mamba.MambaWeights;
import org.mambats.model.mamba.MultiplyAddFloor;
import org.mambats.model.mamba.NaiveMambaStep;

/**
 * The step's two ratios measured in alternation: short blocks of the kernel, the multiply-adds alone and the
 * straightforward step, taken in turn in one JVM, each round's ratios from blocks a few milliseconds apart.
 *
 * <p>Why, beside JMH: JMH measures one benchmark after another, a minute apart, and on a shared machine whose speed
 * drifts by tens of percent in that time the ratio of two such figures drifts with it (four runs of the same code
 * gave kernel / multiply-adds from 1.35x to 1.86x). Here each round's blocks see the same machine, so the median
 * over rounds is the code's ratio; the quartiles say how steady it was.
 */
final class PairedStepTiming {
    /** Steps per block: a few milliseconds of the kernel, long enough to time, short enough to pair. */
    private static final int KERNEL_STEPS_PER_BLOCK = 500;
    /** The straightforward step is about ten times slower, so its blocks are shorter. */
    private static final int NAIVE_STEPS_PER_BLOCK = 50;
    private static final int WARM_UP_STEPS = 40_000;

    /**
     * Medians and quartiles over rounds of {straightforward / kernel, kernel / multiply-adds, untied kernel /
     * multiply-adds}: the kernel is the tied one train makes, the untied one a Hugging Face checkpoint's.
     */
    record Ratios(double[] overStraightforward, double[] overMultiplyAdds, double[] untiedOverMultiplyAdds, int rounds) {
    }

    private PairedStepTiming() {
    }

    static Ratios measure(int rounds) {
        MambaWeights weights = MambaWeights.initialize(StepBenchmarks.CONFIG, 42);
        MambaKernel kernel = MambaKernel.prepare(weights);
        MambaStepper stepper = kernel.newStepper();
        MambaState kernelState = kernel.newState();
        MambaKernel untied = MambaKernel.prepare(MambaWeights.initialize(StepBenchmarks.CONFIG.withTiedDecays(false), 42));
        MambaStepper untiedStepper = untied.newStepper();
        MambaState untiedState = untied.newState();
        MambaState floorState = kernel.newState();
        MultiplyAddFloor floor = new MultiplyAddFloor(kernel);
        NaiveMambaStep naive = new NaiveMambaStep(weights);
        float[][] in = StepBenchmarks.inputs(11);
        float[] out = new float[StepBenchmarks.D];
        for (int i = 0; i < WARM_UP_STEPS; i++) {
            stepper.step(kernelState, in[i & (StepBenchmarks.INPUTS - 1)], out);
            untiedStepper.step(untiedState, in[i & (StepBenchmarks.INPUTS - 1)], out);
            floor.step(floorState, in[i & (StepBenchmarks.INPUTS - 1)], out);
        }
        for (int i = 0; i < WARM_UP_STEPS / 10; i++) {
            naive.step(in[i & (StepBenchmarks.INPUTS - 1)], out);
        }
        double[] overNaive = new double[rounds];
        double[] overFloor = new double[rounds];
        double[] untiedOverFloor = new double[rounds];
        float sink = 0;
        for (int round = 0; round < rounds; round++) {
            // Kernel, untied, floor, naive, then the reverse order, so a drift within a round weighs on each the same.
            long kernelA = kernelBlock(stepper, kernelState, in, out);
            long untiedA = kernelBlock(untiedStepper, untiedState, in, out);
            long floorA = floorBlock(floor, floorState, in, out);
            long naiveNanos = naiveBlock(naive, in, out);
            long floorB = floorBlock(floor, floorState, in, out);
            long untiedB = kernelBlock(untiedStepper, untiedState, in, out);
            long kernelB = kernelBlock(stepper, kernelState, in, out);
            sink += out[0];
            double kernelNs = (kernelA + kernelB) / (2.0 * KERNEL_STEPS_PER_BLOCK);
            double untiedNs = (untiedA + untiedB) / (2.0 * KERNEL_STEPS_PER_BLOCK);
            double floorNs = (floorA + floorB) / (2.0 * KERNEL_STEPS_PER_BLOCK);
            double naiveNs = naiveNanos / (double) NAIVE_STEPS_PER_BLOCK;
            overNaive[round] = naiveNs / kernelNs;
            overFloor[round] = kernelNs / floorNs;
            untiedOverFloor[round] = untiedNs / floorNs;
        }
        if (!Float.isFinite(sink) || !kernelState.isFinite() || !untiedState.isFinite()) {
            throw new IllegalStateException("the paired step timing went non-finite");
        }
        return new Ratios(quartiles(overNaive), quartiles(overFloor), quartiles(untiedOverFloor), rounds);
    }

    private static long kernelBlock(MambaStepper stepper, MambaState state, float[][] in, float[] out) {
        long start = System.nanoTime();
        for (int i = 0; i < KERNEL_STEPS_PER_BLOCK; i++) {
            stepper.step(state, in[i & (StepBenchmarks.INPUTS - 1)], out);
        }
        return System.nanoTime() - start;
    }

    private static long floorBlock(MultiplyAddFloor floor, MambaState state, float[][] in, float[] out) {
        long start = System.nanoTime();
        for (int i = 0; i < KERNEL_STEPS_PER_BLOCK; i++) {
            floor.step(state, in[i & (StepBenchmarks.INPUTS - 1)], out);
        }
        return System.nanoTime() - start;
    }

    private static long naiveBlock(NaiveMambaStep naive, float[][] in, float[] out) {
        long start = System.nanoTime();
        for (int i = 0; i < NAIVE_STEPS_PER_BLOCK; i++) {
            naive.step(in[i & (StepBenchmarks.INPUTS - 1)], out);
        }
        return System.nanoTime() - start;
    }

    /** {lower quartile, median, upper quartile}. */
    static double[] quartiles(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return new double[] {at(v, 0.25), at(v, 0.5), at(v, 0.75)};
    }

    private static double at(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
