package org.mambats.backtest.metrics;

import java.util.Arrays;
import java.util.List;

/**
 * One model's forecast quality at one horizon over a universe, from every symbol's scored pairs.
 *
 * <p>Losses are pooled in units of each symbol's no-change loss: symbol s's pinball at each scored tick is divided
 * by the mean pinball of the no-change forecast on that symbol, so a volatile symbol counts as much per tick as a
 * calm one and no-change scores 1.0. {@code relativePinball} is the mean of these over all pairs, and
 * {@code skill = 1 - relativePinball}: the tick-weighted mean of the symbols' own skills against no-change.
 *
 * <p>The Diebold-Mariano test on these pooled differences must respect that symbols move together: a market-wide
 * shock makes every symbol's loss differential large at once. So the differences of all symbols are grouped into
 * blocks of time as long as the horizon, the same blocks for every symbol, and the variance of the mean comes from
 * the blocks' sums ({@link DieboldMariano#testInBlocks}), which hold every symbol's terms of that time together:
 * correlation across symbols within a block and between neighbouring blocks is in the estimate, not assumed away.
 */
public record PooledScores(String horizon, long n, int symbols, double relativePinball, double coverage, double directionalAccuracy,
                           DieboldMariano.Result dm) {

    /**
     * One symbol's part: its scored pairs' losses (the model's, and the one it is compared with), their times, the
     * symbol's unit of loss (the mean pinball of no-change on it), coverage and direction counts.
     */
    public record Part(double[] loss, double[] referenceLoss, double scale, long[] times, long inside, long directionN,
                       long directionHits) {
    }

    /**
     * @param blockMillis the length of the time blocks the DM variance is computed over (the horizon's span)
     * @param isReference true when the model is the reference itself (no DM)
     */
    public static PooledScores pool(String horizon, List<Part> parts, long blockMillis, boolean isReference) {
        long n = 0, inside = 0, dirN = 0, dirHit = 0;
        long t0 = Long.MAX_VALUE;
        int symbols = 0;
        for (Part p : parts) {
            n += p.loss().length;
            inside += p.inside();
            dirN += p.directionN();
            dirHit += p.directionHits();
            if (p.times().length > 0) {
                t0 = Math.min(t0, p.times()[0]);
                symbols++;
            }
        }
        double[] rel = new double[(int) n];
        long[] block = new long[(int) n];
        int k = 0;
        double sum = 0;
        for (Part p : parts) {
            double ref = p.scale();
            for (int i = 0; i < p.loss().length; i++) {
                double r = ref > 0 ? p.loss()[i] / ref : 0;
                double d = ref > 0 ? (p.loss()[i] - p.referenceLoss()[i]) / ref : 0;
                sum += r;
                rel[k] = d;
                block[k++] = (p.times()[i] - t0) / Math.max(1, blockMillis);
            }
        }
        DieboldMariano.Result dm = null;
        if (!isReference && n > 1) {
            Integer[] order = new Integer[(int) n];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Long.compare(block[a], block[b]));
            double[] d = new double[order.length];
            int[] b = new int[order.length];
            for (int i = 0; i < order.length; i++) {
                d[i] = rel[order[i]];
                b[i] = Math.toIntExact(block[order[i]]);
            }
            dm = DieboldMariano.testInBlocks(d, b, -1);
        }
        return new PooledScores(horizon, n, symbols, n == 0 ? Double.NaN : sum / n, n == 0 ? Double.NaN : (double) inside / n,
                dirN == 0 ? Double.NaN : (double) dirHit / dirN, dm);
    }

    public double skill() {
        return 1 - relativePinball;
    }
}
