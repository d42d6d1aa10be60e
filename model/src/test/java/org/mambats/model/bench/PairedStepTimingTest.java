package org.mambats.model.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PairedStepTimingTest {
    @Test
    void quartilesInterpolateBetweenSortedValues() {
        assertArrayEquals(new double[] {2, 3, 4}, PairedStepTiming.quartiles(new double[] {5, 1, 3, 2, 4}), 1e-12);
        assertArrayEquals(new double[] {1.75, 2.5, 3.25}, PairedStepTiming.quartiles(new double[] {4, 3, 2, 1}), 1e-12);
    }

    @Test
    void aFewRoundsGiveOrderedPositiveRatios() {
        PairedStepTiming.Ratios r = PairedStepTiming.measure(3);
        for (double[] q : new double[][] {r.overStraightforward(), r.overMultiplyAdds()}) {
            assertTrue(q[0] > 0 && q[0] <= q[1] && q[1] <= q[2] && Double.isFinite(q[2]), java.util.Arrays.toString(q));
        }
        // Not a speed target (timed unit tests are noise): only that the kernel does more than its multiply-adds.
        assertTrue(r.overMultiplyAdds()[1] > 0.5, "kernel / multiply-adds " + r.overMultiplyAdds()[1]);
    }
}
