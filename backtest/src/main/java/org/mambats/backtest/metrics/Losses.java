package org.mambats.backtest.metrics;

import org.mambats.model.features.Horizon;

/** Per-forecast losses, and their series over the scored ticks (the input of the Diebold-Mariano test). */
public final class Losses {
    private Losses() {
    }

    /** The pinball (quantile) loss of level q: {@code q (y - f)} when y >= f, else {@code (1 - q)(f - y)}. */
    public static double pinball(double q, double y, double f) {
        double u = y - f;
        return u >= 0 ? q * u : (q - 1) * u;
    }

    /** Mean pinball loss over the levels, for every scored tick of horizon h, in tick order. */
    public static double[] pinballSeries(float[] f, float[] y, boolean[] mask, int h, int hCount, float[] levels) {
        int nQ = levels.length, ticks = y.length / hCount;
        double[] out = new double[count(mask, h, hCount, ticks)];
        int k = 0;
        for (int i = 0; i < ticks; i++) {
            if (!mask[i * hCount + h]) {
                continue;
            }
            double yy = y[i * hCount + h], s = 0;
            int base = i * hCount * nQ + h * nQ;
            for (int j = 0; j < nQ; j++) {
                s += pinball(levels[j], yy, f[base + j]);
            }
            out[k++] = s / nQ;
        }
        return out;
    }

    /** Squared error of the median forecast, for every scored tick of horizon h, in tick order. */
    public static double[] squaredErrorSeries(float[] f, float[] y, boolean[] mask, int h, int hCount, int nQ, int median) {
        int ticks = y.length / hCount;
        double[] out = new double[count(mask, h, hCount, ticks)];
        int k = 0;
        for (int i = 0; i < ticks; i++) {
            if (mask[i * hCount + h]) {
                double e = y[i * hCount + h] - f[i * hCount * nQ + h * nQ + median];
                out[k++] = e * e;
            }
        }
        return out;
    }

    /**
     * For every scored tick of horizon h, in the order of the series above, its block: consecutive stretches as
     * long as the horizon (time horizons: by the tick's time from the first tick's; tick horizons: by the tick's
     * index), the blocks {@link DieboldMariano#testInBlocks} sums over.
     *
     * @param times the time of every tick, scored or not
     */
    public static int[] horizonBlocks(boolean[] mask, int h, int hCount, long[] times, Horizon horizon) {
        int ticks = times.length;
        int[] out = new int[count(mask, h, hCount, ticks)];
        int k = 0;
        for (int i = 0; i < ticks; i++) {
            if (mask[i * hCount + h]) {
                long at = horizon.inTicks() ? i / horizon.amount() : (times[i] - times[0]) / horizon.millis();
                out[k++] = Math.toIntExact(at);
            }
        }
        return out;
    }

    private static int count(boolean[] mask, int h, int hCount, int ticks) {
        int c = 0;
        for (int i = 0; i < ticks; i++) {
            if (mask[i * hCount + h]) {
                c++;
            }
        }
        return c;
    }

    /** Element-wise a - b. */
    public static double[] difference(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("loss series of " + a.length + " and " + b.length + " ticks");
        }
        double[] d = new double[a.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }
}
