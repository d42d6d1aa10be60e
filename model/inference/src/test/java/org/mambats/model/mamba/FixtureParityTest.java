package org.mambats.model.mamba;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mambats.model.io.Npy;
import org.mambats.model.io.Tensor;

/** Both paths reproduce the reference outputs of Hugging Face transformers (float64) on the shipped fixture. */
class FixtureParityTest {
    static MambaCheckpoint checkpoint;
    static Tensor input;
    static Tensor expected;

    @BeforeAll
    static void load() throws Exception {
        Path dir = Fixtures.mambaSmall();
        checkpoint = MambaCheckpoint.load(dir);
        input = Npy.read(dir.resolve("input.npy"));
        expected = Npy.read(dir.resolve("expected.npy"));
    }

    @Test
    void fixtureIsWhatTheDesignNotesDescribe() {
        MambaConfig c = checkpoint.weights().config();
        assertEquals(16, c.dModel());
        assertEquals(2, c.nLayers());
        assertEquals(8, c.dState());
        assertEquals(2, c.dtRank());
        assertArrayEquals(new int[] {1, 64, 16}, input.shape());
        assertArrayEquals(input.shape(), expected.shape());
        // transformers' embeddings are not part of the backbone, but are kept, not dropped.
        assertTrue(checkpoint.extraTensors().containsKey("embeddings.weight"), checkpoint.extraTensors().keySet().toString());
    }

    @Test
    void sequenceForwardMatchesReference() {
        float[] out = new MambaSequenceForward(checkpoint.weights()).forward(input.data(), 1, 64, null);
        double err = Fixtures.relativeError(out, expected.data());
        assertTrue(err < 1e-4, "scan relative error " + err);
    }

    @Test
    void recurrentStepMatchesReference() {
        MambaKernel kernel = MambaKernel.prepare(checkpoint.weights());
        MambaStepper stepper = kernel.newStepper();
        MambaState state = kernel.newState();
        int d = 16;
        float[] out = new float[input.data().length];
        for (int t = 0; t < 64; t++) {
            stepper.step(state, input.data(), t * d, 1f, out, t * d);
        }
        double err = Fixtures.relativeError(out, expected.data());
        assertTrue(err < 1e-4, "step relative error " + err);
    }

    @Test
    void naiveStepMatchesReference() {
        NaiveMambaStep naive = new NaiveMambaStep(checkpoint.weights());
        int d = 16;
        float[] out = new float[input.data().length];
        float[] in = new float[d];
        float[] o = new float[d];
        for (int t = 0; t < 64; t++) {
            System.arraycopy(input.data(), t * d, in, 0, d);
            naive.step(in, o);
            System.arraycopy(o, 0, out, t * d, d);
        }
        double err = Fixtures.relativeError(out, expected.data());
        assertTrue(err < 1e-4, "naive step relative error " + err);
    }

    @Test
    void aWrongModelIsCaught() {
        // The comparison can fail: perturb one weight and the outputs leave the tolerance.
        MambaWeights broken = checkpoint.weights().copy();
        broken.layer(1).aLog[3] += 1f;
        broken.layer(0).inProj[5] += 0.5f;
        float[] out = new MambaSequenceForward(broken).forward(input.data(), 1, 64, null);
        assertTrue(Fixtures.relativeError(out, expected.data()) > 1e-3);
    }
}
