package org.mambats.backtest.metrics;

import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The Diebold-Mariano test of equal predictive accuracy (Diebold and Mariano, 1995) on a loss differential
 * {@code d_t = L(model)_t - L(reference)_t}: {@code DM = mean(d) / sqrt(S / n)}, where S is the long-run variance
 * of d estimated with the Newey-West (Bartlett-kernel) HAC estimator,
 * {@code S = g_0 + 2 sum_{k=1..L} (1 - k / (L + 1)) g_k}, {@code g_k = (1/n) sum_{t>k} (d_t - mean)(d_{t-k} - mean)}.
 * Under the null DM is asymptotically standard normal; the p-value is two-sided. A negative statistic means the
 * model's loss is lower than the reference's.
 */
public final class DieboldMariano {
    private static final NormalDistribution STANDARD = new NormalDistribution(null, 0, 1);

    private DieboldMariano() {
    }

    public record Result(double statistic, double pValue, double meanDifference, double longRunVariance, int lag, long n) {
    }

    public static Result test(double[] d, int lag) {
        int n = d.length;
        if (n < 2) {
            return new Result(Double.NaN, Double.NaN, n == 1 ? d[0] : Double.NaN, Double.NaN, lag, n);
        }
        int l = Math.max(0, Math.min(lag, n - 1));
        double mean = 0;
        for (double v : d) {
            mean += v;
        }
        mean /= n;
        double s = autocovariance(d, mean, 0);
        for (int k = 1; k <= l; k++) {
            s += 2 * (1 - k / (l + 1.0)) * autocovariance(d, mean, k);
        }
        if (!(s > 0)) {
            return new Result(Double.NaN, Double.NaN, mean, s, l, n);
        }
        double dm = mean / Math.sqrt(s / n);
        return new Result(dm, 2 * STANDARD.cumulativeProbability(-Math.abs(dm)), mean, s, l, n);
    }

    static double autocovariance(double[] d, double mean, int k) {
        double s = 0;
        for (int t = k; t < d.length; t++) {
            s += (d[t] - mean) * (d[t - k] - mean);
        }
        return s / d.length;
    }

    /**
     * The HAC lag for a horizon whose outcome lies {@code ticksAhead} ticks ahead on average: forecasts that
     * overlap make the loss differential an MA(h - 1), so at least {@code ceil(ticksAhead) - 1}; and at least the
     * Newey-West (1994) rule of thumb {@code floor(4 (n / 100)^(2/9))}, for serial correlation beyond the overlap.
     */
    public static int lag(double ticksAhead, long n) {
        int overlap = (int) Math.max(0, Math.ceil(ticksAhead - 1e-9) - 1);
        int rule = (int) Math.floor(4 * Math.pow(n / 100.0, 2.0 / 9.0));
        return (int) Math.max(0, Math.min(Math.max(overlap, rule), n - 1));
    }
}
