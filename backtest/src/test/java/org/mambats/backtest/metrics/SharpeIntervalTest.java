package org.mambats.backtest.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/** The Sharpe ratio's 95% interval covers the true ratio 95% of the time, for normal and for skewed returns. */
class SharpeIntervalTest {
    private static final double PER_YEAR = 252;

    /** Share of {@code runs} samples of {@code n} returns whose interval contains the true annualised ratio. */
    private static double coverage(DoubleSupplier draw, double truePerPeriodSharpe, int n, int runs) {
        double truth = truePerPeriodSharpe * Math.sqrt(PER_YEAR);
        int covered = 0;
        double[] r = new double[n];
        for (int run = 0; run < runs; run++) {
            for (int i = 0; i < n; i++) {
                r[i] = draw.getAsDouble();
            }
            double sr = Ratios.sharpe(r, PER_YEAR), se = Ratios.sharpeStandardError(r, PER_YEAR);
            if (Math.abs(sr - truth) <= 1.96 * se) {
                covered++;
            }
        }
        return (double) covered / runs;
    }

    @Test
    void normalReturnsGetLosInterval() {
        SplittableRandom rnd = new SplittableRandom(11);
        double[] r = new double[200_000];
        for (int i = 0; i < r.length; i++) {
            r[i] = 0.3 + rnd.nextGaussian();
        }
        double sr = Ratios.sharpe(r, 1);
        double lo = Math.sqrt((1 + sr * sr / 2) / r.length);
        assertEquals(lo, Ratios.sharpeStandardError(r, 1), 0.02 * lo, "Mertens' error is Lo's for normal returns");
        assertEquals(Math.sqrt(PER_YEAR) * Ratios.sharpeStandardError(r, 1), Ratios.sharpeStandardError(r, PER_YEAR), 1e-12, "annualised");

        double cover = coverage(() -> 0.1 + rnd.nextGaussian(), 0.1, 500, 3_000);
        assertTrue(cover > 0.935 && cover < 0.965, "coverage " + cover);
    }

    @Test
    void skewedReturnsAreCoveredAsOftenAsTheIntervalSays() {
        // Exponential(1) - 0.5: mean 0.5, sd 1, skew 2, kurtosis 9, so the per-period ratio is 0.5. Lo's normal
        // formula would make the interval half again as wide here (variance 1.125/n against Mertens' 0.5/n).
        SplittableRandom rnd = new SplittableRandom(12);
        DoubleSupplier skewed = () -> -Math.log(1 - rnd.nextDouble()) - 0.5;
        double cover = coverage(skewed, 0.5, 1_000, 3_000);
        assertTrue(cover > 0.93 && cover < 0.97, "coverage " + cover);
    }

    @Test
    void undefinedWithoutSpread() {
        assertTrue(Double.isNaN(Ratios.sharpeStandardError(new double[] {0.01}, PER_YEAR)));
        assertTrue(Double.isNaN(Ratios.sharpeStandardError(new double[] {0, 0, 0}, PER_YEAR)));
    }
}
