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
        // Loss differentials with mean 0 that are MA(1) (as overlapping 2-step forecasts make them): with the lag the
        // backtest uses (here the Newey-West rule's 6) the test rejects about 5% of the time at the 5% level; ignoring the
        // autocorrelation (lag 0) it rejects far more.
        SplittableRandom rnd = new SplittableRandom(5);
        int trials = 400, n = 1000, rejectHac = 0, rejectNaive = 0;
        int lag = DieboldMariano.lag(2, n);
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
        // Newey-West rule of thumb floor(4 (n/100)^(2/9)): n = 10,000 gives 11.
        assertEquals(11, DieboldMariano.lag(1, 10_000));
        // Overlap dominates for long horizons: 52.3 ticks ahead -> 52.
        assertEquals(52, DieboldMariano.lag(52.3, 10_000));
        assertEquals(4, DieboldMariano.lag(5, 50));
        assertEquals(9, DieboldMariano.lag(100, 10), "never beyond n - 1");
    }
}
