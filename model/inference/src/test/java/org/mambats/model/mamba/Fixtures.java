package org.mambats.model.mamba;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** Paths of the reference fixture (what it is and where it came from: docs/ARCHITECTURE.md, "Facts the code relies on"). */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path mambaSmall() {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/mamba_small").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** max |actual - expected| / max |expected|: the error relative to the output's scale. */
    public static double relativeError(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError("length " + actual.length + " != " + expected.length);
        }
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < actual.length; i++) {
            if (!Float.isFinite(actual[i])) {
                return Double.POSITIVE_INFINITY;
            }
            maxDiff = Math.max(maxDiff, Math.abs((double) actual[i] - expected[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        return maxDiff / maxRef;
    }
}
