package org.mambats.model.mamba;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The streaming step and the full-sequence forward compute the same function on long random inputs, the state
 * round-trips through bytes bit for bit, and the step allocates nothing in steady state.
 */
class StepVersusSequenceTest {

    /** A model with non-default weights: random A_log, D and norms, so no structure of the init hides a bug. */
    static MambaWeights randomModel(MambaConfig c, long seed) {
        MambaWeights w = MambaWeights.initialize(c, seed);
        SplittableRandom rnd = new SplittableRandom(seed + 1);
        for (int l = 0; l < c.nLayers(); l++) {
            MambaLayerWeights lw = w.layer(l);
            for (int i = 0; i < lw.aLog.length; i++) {
                lw.aLog[i] += (float) (rnd.nextDouble() - 0.5);
            }
            for (int i = 0; i < lw.d.length; i++) {
                lw.d[i] = (float) (rnd.nextDouble() * 2 - 0.5);
            }
            for (int i = 0; i < lw.norm.length; i++) {
                lw.norm[i] = (float) (0.5 + rnd.nextDouble());
            }
        }
        return w;
    }

    static float[] randomInput(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextGaussian());
        }
        return x;
    }

    static float[] runSteps(MambaWeights w, float[] input, int length) {
        MambaKernel kernel = MambaKernel.prepare(w);
        MambaStepper stepper = kernel.newStepper();
        MambaState state = kernel.newState();
        int d = w.config().dModel();
        float[] out = new float[length * d];
        for (int t = 0; t < length; t++) {
            stepper.step(state, input, t * d, 1f, out, t * d);
        }
        return out;
    }

    @Test
    void stepEqualsSequenceOverTenThousandSteps() {
        MambaConfig c = MambaConfig.of(64, 2);
        MambaWeights w = randomModel(c, 11);
        stepsMatchTheScan(w, randomInput(10_000 * 64, 12), "step");
    }

    /** Steps {@code w} over {@code input} and checks the outputs against its scan; returns the steps' outputs. */
    private static float[] stepsMatchTheScan(MambaWeights w, float[] input, String what) {
        int len = input.length / w.config().dModel();
        float[] scan = new MambaSequenceForward(w).forward(input, 1, len, null);
        float[] step = runSteps(w, input, len);
        double err = Fixtures.relativeError(step, scan);
        assertTrue(err < 1e-4, what + " vs scan relative error over " + len + " steps: " + err);
        return step;
    }

    /**
     * Tied decays: the step's powers of one exponential per channel compute what the sequence forward's N
     * exponentials do, and what the same weights read as free decays give, over 10,000 steps.
     */
    @Test
    void tiedDecaysStepEqualsSequenceAndTheFreeDecaysStep() throws Exception {
        MambaConfig c = MambaConfig.of(64, 2).withTiedDecays(true);
        MambaWeights w = randomModel(c, 41);
        for (int l = 0; l < c.nLayers(); l++) {
            MambaWeights.tie(w.layer(l).aLog, c.dInner(), c.dState()); // random rates, one per channel
        }
        MambaWeights tied = MambaWeights.fromTensors(c, w.toTensors(""));
        MambaWeights free = MambaWeights.fromTensors(c.withTiedDecays(false), w.toTensors(""));
        org.junit.jupiter.api.Assertions.assertNotNull(MambaKernel.prepare(tied).layers[0].negA0, "the tied scan is used");
        org.junit.jupiter.api.Assertions.assertNull(MambaKernel.prepare(free).layers[0].negA0);
        float[] input = randomInput(10_000 * 64, 42);
        float[] step = stepsMatchTheScan(tied, input, "tied step");
        double freeErr = Fixtures.relativeError(step, runSteps(free, input, 10_000));
        assertTrue(freeErr < 1e-4, "tied step vs the free-decay step: " + freeErr);
    }

    @Test
    void aCheckpointThatSaysTiedButIsNotIsRefused() throws Exception {
        MambaConfig c = MambaConfig.of(16, 1).withTiedDecays(true);
        MambaWeights w = randomModel(c, 43); // A_log perturbed element by element: not tied
        org.mambats.model.io.CheckpointFormatException e = assertThrows(org.mambats.model.io.CheckpointFormatException.class,
                () -> MambaWeights.fromTensors(c, w.toTensors("")));
        assertTrue(e.getMessage().contains("tied_decays") && e.getMessage().contains("A_log["), e.getMessage());
        MambaWeights.tie(w.layer(0).aLog, c.dInner(), c.dState());
        assertEquals(c, MambaWeights.fromTensors(c, w.toTensors("")).config());
    }

    @Test
    void tiedDecaysRoundTripThroughConfigJsonAndAreAbsentOtherwise() {
        MambaConfig tied = MambaConfig.of(32, 2).withTiedDecays(true);
        assertEquals(tied, MambaConfig.fromJson(tied.toJson()));
        assertTrue(tied.toJson().get("tied_decays").booleanValue());
        MambaConfig free = MambaConfig.of(32, 2);
        assertEquals(free, MambaConfig.fromJson(free.toJson()));
        assertTrue(!free.toJson().has("tied_decays"), "a Hugging Face config.json, key for key");
    }

    @Test
    void batchedSequencesAreIndependent() {
        MambaConfig c = new MambaConfig(16, 2, 8, 2, 32, 4, 2, 1e-5f, true, true);
        MambaWeights w = randomModel(c, 3);
        int len = 50;
        float[] a = randomInput(len * 16, 4);
        float[] b = randomInput(len * 16, 5);
        float[] both = new float[2 * len * 16];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        MambaSequenceForward seq = new MambaSequenceForward(w);
        float[] out = seq.forward(both, 2, len, null);
        float[] outB = seq.forward(b, 1, len, null);
        float[] tail = java.util.Arrays.copyOfRange(out, a.length, out.length);
        assertArrayEquals(outB, tail, 0f);
        assertTrue(Fixtures.relativeError(runSteps(w, b, len), outB) < 1e-4, "with biases, step matches scan");
    }

    @Test
    void chunkedSequenceWithCarriedStateEqualsOneLongRun() {
        MambaConfig c = new MambaConfig(16, 2, 8, 2, 32, 4, 2, 1e-5f, true, false);
        MambaWeights w = randomModel(c, 21);
        int len = 300;
        float[] input = randomInput(len * 16, 22);
        MambaSequenceForward seq = new MambaSequenceForward(w);
        float[] whole = seq.forward(input, 1, len, null);
        MambaState[] state = {new MambaState(c)};
        float[] chunked = new float[whole.length];
        int[] cuts = {0, 1, 3, 100, 102, 300};
        for (int i = 0; i + 1 < cuts.length; i++) {
            int from = cuts[i], to = cuts[i + 1];
            float[] part = seq.forward(java.util.Arrays.copyOfRange(input, from * 16, to * 16), 1, to - from, state);
            System.arraycopy(part, 0, chunked, from * 16, part.length);
        }
        assertArrayEquals(whole, chunked, 0f, "chunks of 1, 2, 97, 2 and 198 steps carry the state exactly");
    }

    @Test
    void stateRoundTripsThroughBytesBitForBit() {
        MambaConfig c = MambaConfig.of(64, 2);
        MambaWeights w = randomModel(c, 31);
        MambaKernel kernel = MambaKernel.prepare(w);
        MambaStepper stepper = kernel.newStepper();
        float[] input = randomInput(400 * 64, 32);
        MambaState state = kernel.newState();
        float[] out = new float[64];
        for (int t = 0; t < 200; t++) {
            stepper.step(state, input, t * 64, 1f, out, 0);
        }
        byte[] bytes = state.toBytes();
        assertEquals(MambaState.HEADER_BYTES + 4 * c.stateFloats(), bytes.length);
        MambaState restored = MambaState.fromBytes(c, bytes);
        MambaState copy = state.copy();
        float[] a = new float[64], b = new float[64], d = new float[64];
        for (int t = 200; t < 400; t++) {
            stepper.step(state, input, t * 64, 1f, a, 0);
            stepper.step(restored, input, t * 64, 1f, b, 0);
            stepper.step(copy, input, t * 64, 1f, d, 0);
            assertArrayEquals(a, b, 0f, "restored state diverged at step " + t);
            assertArrayEquals(a, d, 0f, "copied state diverged at step " + t);
        }
        assertArrayEquals(state.data(), restored.data(), 0f);
        // A state of another shape is refused with a reason.
        MambaConfig other = MambaConfig.of(32, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MambaState.fromBytes(other, bytes));
        assertTrue(e.getMessage().contains("E=128"), e.getMessage());
    }

    @Test
    void deltaScaleOfOneIsThePlainStepAndOtherScalesMatter() {
        MambaConfig c = MambaConfig.of(64, 2);
        MambaKernel kernel = MambaKernel.prepare(randomModel(c, 41));
        MambaStepper stepper = kernel.newStepper();
        float[] input = randomInput(20 * 64, 42);
        MambaState s1 = kernel.newState(), s2 = kernel.newState(), s3 = kernel.newState();
        float[] a = new float[64], b = new float[64], d = new float[64];
        for (int t = 0; t < 20; t++) {
            stepper.step(s1, java.util.Arrays.copyOfRange(input, t * 64, t * 64 + 64), a);
            stepper.step(s2, input, t * 64, 1f, b, 0);
            stepper.step(s3, input, t * 64, 3f, d, 0);
        }
        assertArrayEquals(a, b, 0f);
        assertArrayEquals(s1.data(), s2.data(), 0f);
        // Layer 0's SSM state sees the scale directly (its conv state does not depend on delta).
        int from = MambaState.ssmOffset(c, 0), to = from + c.dState() * c.dInner();
        double moved = Fixtures.relativeError(java.util.Arrays.copyOfRange(s3.data(), from, to),
                java.util.Arrays.copyOfRange(s1.data(), from, to));
        assertTrue(moved > 0.2, "a three times larger delta moves the SSM state: " + moved);
        assertTrue(Fixtures.relativeError(d, a) > 1e-6, "and the output");
    }

    @Test
    void stepAllocatesNothingInSteadyState() {
        stepAllocatesNothingInSteadyState(false);
    }

    /** The tied scan carries its decay vector from state to state: it must stay in registers too. */
    @Test
    void tiedStepAllocatesNothingInSteadyState() {
        stepAllocatesNothingInSteadyState(true);
    }

    private static void stepAllocatesNothingInSteadyState(boolean tied) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        MambaConfig c = MambaConfig.of(64, 2).withTiedDecays(tied);
        MambaWeights w = randomModel(c, 51);
        for (int l = 0; tied && l < c.nLayers(); l++) {
            MambaWeights.tie(w.layer(l).aLog, c.dInner(), c.dState());
        }
        MambaKernel kernel = MambaKernel.prepare(w);
        MambaStepper stepper = kernel.newStepper();
        MambaState state = kernel.newState();
        float[] input = randomInput(64 * 64, 52);
        float[] out = new float[64];
        // Warm up until the JIT has compiled the step (vectors are only scalar-replaced in compiled code).
        for (int i = 0; i < 60_000; i++) {
            stepper.step(state, input, (i & 63) * 64, 1f, out, 0);
        }
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 20_000; i++) {
            stepper.step(state, input, (i & 63) * 64, 1f, out, 0);
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        // A single boxed vector per step would be >= 20,000 * 48 bytes; allow only measurement noise.
        assertTrue(allocated < 64 * 1024, "20,000 steps allocated " + allocated + " bytes");
        assertTrue(state.isFinite());
    }
}
