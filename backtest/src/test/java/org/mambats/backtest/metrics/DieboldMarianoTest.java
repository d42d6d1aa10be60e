package org.mambats.backtest.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The Diebold-Mariano test: a worked example by hand, its size under the null, the HAC correction, the lag rule. */
class DieboldMarianoTest {

    @Test
    void workedExample() {
        // d = 1, 2, 3, 4: mean 2.5, deviations -1.5 -0.5 0.5 1.5;
        // g0 = (2.25 + .25 + .25 + 2.25) / 4 = 1.25; g1 = (.75 - .25 + .75) / 4 = .3125.
        double[] d = {1, 2, 3, 4};
        DieboldMariano.Result lag1 = DieboldMariano.test(d, 1);
        // S = g0 + 2 (1 - 1/2) g1 = 1.5625; DM = 2.5 / sqrt(1.5625 / 4) = 2.5 / 0.625 = 4
        assertEquals(1.5625, lag1.longRunVariance(), 1e-12);
        assertEquals(4.0, lag1.statistic(), 1e-12);
        assertEquals(6.334248366623996e-5, lag1.pValue(), 1e-12); // 2 (1 - Phi(4))
        assertEquals(2.5, lag1.meanDifference(), 1e-12);
        DieboldMariano.Result lag0 = DieboldMariano.test(d, 0);
        assertEquals(2.5 / Math.sqrt(1.25 / 4), lag0.statistic(), 1e-12);
        assertEquals(1, lag1.lag());
        assertEquals(4, lag1.n());
    }

    @Test
    void sizeUnderTheNullAndTheHacCorrection() {
        // Loss differentials with mean 0 that are MA(1) (as overlapping 2-step forecasts make them): with the lag of the
        // Newey-West rule (6 for n = 1000) the test rejects about 5% of the time at the 5% level; ignoring the
        // autocorrelation (lag 0) it rejects far more.
        SplittableRandom rnd = new SplittableRandom(5);
        int trials = 400, n = 1000, rejectHac = 0, rejectNaive = 0;
        int lag = DieboldMariano.lagInBlocks(n);
        assertEquals(6, lag);
        for (int t = 0; t < trials; t++) {
            double[] d = new double[n];
            double prev = rnd.nextGaussian();
            for (int i = 0; i < n; i++) {
                double e = rnd.nextGaussian();
                d[i] = e + 0.9 * prev;
                prev = e;
            }
            if (DieboldMariano.test(d, lag).pValue() < 0.05) {
                rejectHac++;
            }
            if (DieboldMariano.test(d, 0).pValue() < 0.05) {
                rejectNaive++;
            }
        }
        double hac = rejectHac / (double) trials, naive = rejectNaive / (double) trials;
        assertTrue(hac > 0.02 && hac < 0.09, "HAC rejection rate " + hac);
        assertTrue(naive > 0.15, "lag 0 should over-reject MA(1) differentials, got " + naive);
    }

    /**
     * A time horizon over bursty ticks, as in trade data: each tick's loss differential sums the next H seconds'
     * shocks, and seconds carry 1 tick or, one in twenty, a burst of 60. Tick by tick with the lag set from the mean
     * number of ticks ahead (what the backtest did before), the test rejects a true null far too often; over blocks
     * of H seconds it keeps about its size.
     */
    @Test
    void blocksAsLongAsTheHorizonKeepTheSizeWhenTicksComeInBursts() {
        SplittableRandom rnd = new SplittableRandom(11);
        int seconds = 3000, horizon = 10, trials = 300, rejectTicks = 0, rejectBlocks = 0;
        for (int trial = 0; trial < trials; trial++) {
            double[] shock = new double[seconds + horizon + 1];
            for (int i = 0; i < shock.length; i++) {
                shock[i] = rnd.nextGaussian();
            }
            int[] perSecond = new int[seconds];
            int n = 0;
            for (int s = 0; s < seconds; s++) {
                perSecond[s] = rnd.nextDouble() < 0.05 ? 60 : 1;
                n += perSecond[s];
            }
            double[] d = new double[n];
            int[] block = new int[n];
            int k = 0;
            for (int s = 0; s < seconds; s++) {
                double ahead = 0;
                for (int u = s + 1; u <= s + horizon; u++) {
                    ahead += shock[u];
                }
                for (int j = 0; j < perSecond[s]; j++, k++) {
                    d[k] = ahead + 0.1 * rnd.nextGaussian();
                    block[k] = s / horizon;
                }
            }
            double ticksAhead = horizon * (n / (double) seconds);
            int tickLag = (int) Math.ceil(ticksAhead) - 1; // the old rule: the mean overlap
            if (DieboldMariano.test(d, tickLag).pValue() < 0.05) {
                rejectTicks++;
            }
            if (DieboldMariano.testInBlocks(d, block, -1).pValue() < 0.05) {
                rejectBlocks++;
            }
        }
        double ticks = rejectTicks / (double) trials, blocks = rejectBlocks / (double) trials;
        assertTrue(blocks < 0.10, "blocks: rejection rate " + blocks + " at the 5% level");
        assertTrue(ticks > 0.2, "tick by tick with the mean overlap: rejection rate " + ticks + " (expected far above 5%)");
    }

    @Test
    void detectsARealDifference() {
        SplittableRandom rnd = new SplittableRandom(6);
        double[] d = new double[2000];
        for (int i = 0; i < d.length; i++) {
            d[i] = -0.2 + rnd.nextGaussian();
        }
        DieboldMariano.Result r = DieboldMariano.test(d, 3);
        assertTrue(r.statistic() < -5 && r.pValue() < 1e-6, r.toString());
    }

    @Test
    void degenerateInputs() {
        assertTrue(Double.isNaN(DieboldMariano.test(new double[] {1}, 0).statistic()));
        assertTrue(Double.isNaN(DieboldMariano.test(new double[] {2, 2, 2}, 1).statistic()), "zero variance: no statistic");
    }

    @Test
    void lagRule() {
        // At least 1 block (neighbouring blocks share outcomes), else the Newey-West rule floor(4 (B/100)^(2/9)).
        assertEquals(1, DieboldMariano.lagInBlocks(2));
        assertEquals(2, DieboldMariano.lagInBlocks(20));
        assertEquals(4, DieboldMariano.lagInBlocks(100));
        assertEquals(11, DieboldMariano.lagInBlocks(10_000));
        assertEquals(0, DieboldMariano.lagInBlocks(1), "never beyond blocks - 1");
    }

    @Test
    void blocksOfOneTickAreTheTickByTickTestAndSumsAreWhatCount() {
        double[] d = {1, 2, 3, 4};
        assertEquals(DieboldMariano.test(d, 1).statistic(), DieboldMariano.testInBlocks(d, new int[] {0, 1, 2, 3}, 1).statistic(), 1e-12);
        // Two blocks {1, 2} and {3, 4}: deviations from 2.5 sum to -2 and 2; lag 0: S = 8, Var(mean) = 8 / 16, DM = 2.5 / sqrt(0.5).
        DieboldMariano.Result two = DieboldMariano.testInBlocks(d, new int[] {0, 0, 5, 5}, 0);
        assertEquals(2.5 / Math.sqrt(0.5), two.statistic(), 1e-12);
        assertEquals(2, two.blocks());
        assertEquals(4, two.n());
    }
}
