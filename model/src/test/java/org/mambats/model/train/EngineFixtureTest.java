package org.mambats.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.mambats.model.mamba.MambaCheckpoint;
import org.mambats.model.io.Npy;
import org.mambats.model.io.Tensor;
import org.mambats.model.mamba.MambaWeights;

/**
 * The engine's full-sequence forward (the backbone part, fed the embeddings directly) reproduces the Hugging Face
 * transformers float64 output of the reference fixture, and gives the same output when the sequence is cut into
 * windows whose state is carried from one to the next (the TBPTT path).
 */
class EngineFixtureTest {

    static Path fixture() throws URISyntaxException {
        return Path.of(EngineFixtureTest.class.getResource("/fixtures/mamba_small/config.json").toURI()).getParent();
    }

    /** The reference's small Mamba: its weights, an input and the reference's output for it. */
    record Fixture(MambaWeights weights, Tensor input, Tensor expected) {
        static Fixture load() throws Exception {
            Path dir = fixture();
            return new Fixture(MambaCheckpoint.load(dir).weights(), Npy.read(dir.resolve("input.npy")), Npy.read(dir.resolve("expected.npy")));
        }
    }

    @Test
    void backboneReproducesTransformersOutput() throws Exception {
        Fixture f = Fixture.load();
        MambaWeights w = f.weights();
        Tensor input = f.input(), expected = f.expected();
        int length = input.shape()[1];
        try (ForecasterEngine engine = new ForecasterEngine(2)) {
            float[] out = engine.forwardBackbone(w, input.data(), 1, length, null, null, null).backboneOutput();
            System.out.println("fixture mamba_small: max|diff|/max|expected| = " + relativeError(expected.data(), out));
            assertTrue(relativeError(expected.data(), out) < 1e-4, "max|diff|/max|expected| = " + relativeError(expected.data(), out));
        }
    }

    @Test
    void windowsWithCarriedStateMatchOnePass() throws Exception {
        Fixture f = Fixture.load();
        MambaWeights w = f.weights();
        Tensor input = f.input(), expected = f.expected();
        int length = input.shape()[1], d = input.shape()[2];
        int[] cuts = {0, 3, 4, 21, 40, length}; // windows of 3, 1 (shorter than K-1), 17, 19, 24 ticks
        float[] out = new float[length * d];
        try (ForecasterEngine engine = new ForecasterEngine(1)) {
            BatchState state = null;
            for (int i = 0; i + 1 < cuts.length; i++) {
                int from = cuts[i], len = cuts[i + 1] - cuts[i];
                float[] h0 = java.util.Arrays.copyOfRange(input.data(), from * d, (from + len) * d);
                ForecasterEngine.Pass p = engine.forwardBackbone(w, h0, 1, len, null, null, state);
                System.arraycopy(p.backboneOutput(), 0, out, from * d, len * d);
                state = p.finalState();
            }
            float[] whole = engine.forwardBackbone(w, input.data(), 1, length, null, null, null).backboneOutput();
            assertTrue(relativeError(whole, out) < 1e-6, "windowed vs whole: " + relativeError(whole, out));
        }
        assertTrue(relativeError(expected.data(), out) < 1e-4);
    }

    @Test
    void paddedLaneCarriesTheStateOfItsLastValidTick() throws Exception {
        Fixture f = Fixture.load();
        MambaWeights w = f.weights();
        Tensor input = f.input();
        int d = input.shape()[2];
        try (ForecasterEngine engine = new ForecasterEngine(2)) {
            // lane 0: ticks 0..9 then 6 ticks of garbage padding; lane 1: ticks 0..9 exactly
            float[] h0 = new float[2 * 16 * d];
            System.arraycopy(input.data(), 0, h0, 0, 10 * d);
            for (int i = 10 * d; i < 16 * d; i++) {
                h0[i] = 5f;
            }
            float[] exact = java.util.Arrays.copyOfRange(input.data(), 0, 10 * d);
            BatchState padded = engine.forwardBackbone(w, h0, 2, 16, null, new int[] {10, 0}, null).finalState();
            BatchState direct = engine.forwardBackbone(w, exact, 1, 10, null, null, null).finalState();
            for (int l = 0; l < w.config().nLayers(); l++) {
                assertArrayEquals(direct.convState(0, l), padded.convState(0, l), 1e-6f);
                assertArrayEquals(direct.ssmState(0, l), padded.ssmState(0, l), 1e-6f);
                assertArrayEquals(new float[padded.ssmLength()], padded.ssmState(1, l), "a lane with 0 valid ticks keeps its state");
            }
        }
    }

    static double relativeError(float[] expected, float[] actual) {
        double maxDiff = 0, maxAbs = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
        }
        return maxDiff / maxAbs;
    }
}
