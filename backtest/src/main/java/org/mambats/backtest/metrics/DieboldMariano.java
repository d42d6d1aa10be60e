package org.mambats.backtest.metrics;

import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The Diebold-Mariano test of equal predictive accuracy (Diebold and Mariano, 1995) on a loss differential
 * {@code d_t = L(model)_t - L(reference)_t}: {@code DM = mean(d) / sqrt(Var(mean(d)))}. Under the null DM is
 * asymptotically standard normal; the p-value is two-sided. A negative statistic means the model's loss is lower
 * than the reference's.
 *
 * <p>Two estimates of the variance:
 * <ul>
 *   <li>{@link #test}: tick by tick, the Newey-West (Bartlett-kernel) HAC estimator,
 *       {@code S = g_0 + 2 sum_{k=1..L} (1 - k / (L + 1)) g_k}, {@code g_k = (1/n) sum_{t>k} (d_t - mean)(d_{t-k} - mean)},
 *       {@code Var = S / n};</li>
 *   <li>{@link #testInBlocks}: the same estimator over the sums of consecutive blocks of ticks. The backtest makes the
 *       blocks as long as the horizon, so only neighbouring blocks share outcomes. Why: forecasts of a time horizon
 *       overlap by as many ticks as trade within it, which swings with activity (300 s: 80 ticks on average, over 400
 *       at the busiest), and a tick-by-tick lag set from the average left most of that correlation out, making the
 *       statistic look more significant than it is.</li>
 * </ul>
 */
public final class DieboldMariano {
    private static final NormalDistribution STANDARD = new NormalDistribution(null, 0, 1);

    private DieboldMariano() {
    }

    /**
     * @param longRunVariance n times the variance of the mean difference (the per-tick long-run variance)
     * @param lag             the HAC lag, in ticks for {@link #test}, in blocks for {@link #testInBlocks}
     * @param blocks          the number of blocks (n for {@link #test})
     */
    public record Result(double statistic, double pValue, double meanDifference, double longRunVariance, int lag, long n, long blocks) {
    }

    public static Result test(double[] d, int lag) {
        int[] each = new int[d.length];
        for (int t = 0; t < each.length; t++) {
            each[t] = t;
        }
        return testInBlocks(d, each, lag);
    }

    /**
     * DM with the variance of the mean from the blocks' sums: {@code e_b = sum_{t in b} (d_t - mean)},
     * {@code S = sum_b e_b^2 + 2 sum_{k=1..L} (1 - k / (L + 1)) sum_b e_b e_{b-k}}, {@code Var(mean) = S / n^2}. With one
     * tick per block this is {@link #test}'s estimator.
     *
     * @param block the block of each term, never decreasing
     * @param lag   the HAC lag in blocks; negative: {@link #lagInBlocks} of the number of blocks
     */
    public static Result testInBlocks(double[] d, int[] block, int lag) {
        int n = d.length;
        if (block.length != n) {
            throw new IllegalArgumentException(block.length + " block ids for " + n + " loss differences");
        }
        if (n < 2) {
            return new Result(Double.NaN, Double.NaN, n == 1 ? d[0] : Double.NaN, Double.NaN, lag, n, n);
        }
        double mean = 0;
        for (double v : d) {
            mean += v;
        }
        mean /= n;
        double[] sums = new double[n];
        int b = 0;
        sums[0] = d[0] - mean;
        for (int t = 1; t < n; t++) {
            if (block[t] < block[t - 1]) {
                throw new IllegalArgumentException("block ids must not decrease (at term " + t + ")");
            }
            if (block[t] != block[t - 1]) {
                b++;
            }
            sums[b] += d[t] - mean;
        }
        int blocks = b + 1;
        int l = lag < 0 ? lagInBlocks(blocks) : Math.max(0, Math.min(lag, blocks - 1));
        double s = autocovariance(sums, blocks, 0);
        for (int k = 1; k <= l; k++) {
            s += 2 * (1 - k / (l + 1.0)) * autocovariance(sums, blocks, k);
        }
        double perTick = s / n;
        if (!(s > 0)) {
            return new Result(Double.NaN, Double.NaN, mean, perTick, l, n, blocks);
        }
        double dm = mean / Math.sqrt(s / ((double) n * n));
        return new Result(dm, 2 * STANDARD.cumulativeProbability(-Math.abs(dm)), mean, perTick, l, n, blocks);
    }

    /** sum_{t >= k} e_t e_{t-k} over the first {@code len} terms (already centred). */
    private static double autocovariance(double[] e, int len, int k) {
        double s = 0;
        for (int t = k; t < len; t++) {
            s += e[t] * e[t - k];
        }
        return s;
    }

    /**
     * The HAC lag in blocks as long as the horizon: at least 1, since neighbouring blocks share outcomes, and at least
     * the Newey-West (1994) rule of thumb {@code floor(4 (blocks / 100)^(2/9))}, for serial correlation beyond the
     * overlap (volatility comes in clusters).
     */
    public static int lagInBlocks(long blocks) {
        int rule = (int) Math.floor(4 * Math.pow(blocks / 100.0, 2.0 / 9.0));
        return (int) Math.max(0, Math.min(Math.max(1, rule), blocks - 1));
    }
}
