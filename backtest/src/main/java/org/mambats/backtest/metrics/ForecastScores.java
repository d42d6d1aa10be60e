package org.mambats.backtest.metrics;

/**
 * Forecast-quality metrics of one model at one horizon over the scored ticks, from quantile forecasts laid out
 * {@code f[i * H * Q + h * Q + j]} and outcomes {@code y[i * H + h]} (log returns):
 * <ul>
 *   <li>MAE and RMSE of the median forecast;</li>
 *   <li>the pinball loss of each quantile level q, {@code mean(max(q (y - f), (q - 1)(y - f)))}, and their mean;</li>
 *   <li>coverage of the outer band: the share of outcomes inside [lowest level, highest level], nominally their
 *       difference (0.8 for 0.1-0.9);</li>
 *   <li>calibration: for each level q, the share of outcomes at or below the forecast (nominally q);</li>
 *   <li>directional accuracy: among the ticks where both the median forecast and the outcome are non-zero, the
 *       share with the same sign (undefined, NaN, for a forecast that is always 0).</li>
 * </ul>
 */
public record ForecastScores(String horizon, long n, double mae, double rmse, double[] pinball, double pinballMean,
                             double coverage, double coverageNominal, double[] calibration, double directionalAccuracy,
                             long directionN) {

    /**
     * @param mask  which (tick, horizon) pairs are scored, {@code mask[i * H + h]}
     * @param median index of the 0.5 level
     */
    public static ForecastScores compute(String label, float[] f, float[] y, boolean[] mask, int h, int hCount, float[] levels,
                                         int median) {
        int nQ = levels.length;
        int ticks = y.length / hCount;
        long n = 0, dirN = 0, dirHit = 0, inside = 0;
        double abs = 0, sq = 0;
        double[] pin = new double[nQ];
        long[] below = new long[nQ];
        for (int i = 0; i < ticks; i++) {
            int k = i * hCount + h;
            if (!mask[k]) {
                continue;
            }
            double yy = y[k];
            int base = i * hCount * nQ + h * nQ;
            double m = f[base + median];
            double e = yy - m;
            abs += Math.abs(e);
            sq += e * e;
            for (int j = 0; j < nQ; j++) {
                pin[j] += Losses.pinball(levels[j], yy, f[base + j]);
                if (yy <= f[base + j]) {
                    below[j]++;
                }
            }
            if (yy >= f[base] && yy <= f[base + nQ - 1]) {
                inside++;
            }
            if (m != 0 && yy != 0) {
                dirN++;
                if ((m > 0) == (yy > 0)) {
                    dirHit++;
                }
            }
            n++;
        }
        double[] cal = new double[nQ];
        double pinMean = 0;
        for (int j = 0; j < nQ; j++) {
            pin[j] = n == 0 ? Double.NaN : pin[j] / n;
            cal[j] = n == 0 ? Double.NaN : (double) below[j] / n;
            pinMean += pin[j] / nQ;
        }
        return new ForecastScores(label, n, n == 0 ? Double.NaN : abs / n, n == 0 ? Double.NaN : Math.sqrt(sq / n), pin, pinMean,
                n == 0 ? Double.NaN : (double) inside / n, levels[nQ - 1] - levels[0], cal,
                dirN == 0 ? Double.NaN : (double) dirHit / dirN, dirN);
    }
}
