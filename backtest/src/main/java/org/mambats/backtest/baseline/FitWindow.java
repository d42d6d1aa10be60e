package org.mambats.backtest.baseline;

import java.util.List;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.features.Horizon;
import org.mambats.model.features.HorizonTargets;
import org.mambats.model.features.TickFeatures;

/**
 * A training window as the baselines see it: its accepted ticks (times, prices, raw features as the live
 * feature code computes them), the horizons and quantile levels to forecast, the targets computed from the
 * window's own prices (NaN where the outcome lies beyond the window, so no later price leaks in), and where, in
 * time, the window's validation part starts (for the baselines that stop early or calibrate on held-out ticks).
 */
public final class FitWindow {
    public final TickSeries ticks;
    public final List<Horizon> horizons;
    public final float[] quantiles;
    /** [n, H] log-return targets inside the window. */
    public final float[] targets;
    /** Index of the first validation tick (== n when there is none). */
    public final int validationStart;
    /**
     * [validationStart, H] targets of the training part from its own prices only (NaN where the outcome lies in the
     * validation part): what a baseline that stops early on the validation part trains on, so that no validation
     * price shapes its fit; the Mamba training splits its targets the same way.
     */
    private final float[] trainingTargets;
    public final long seed;

    public FitWindow(TickSeries ticks, List<Horizon> horizons, float[] quantiles, double validationFraction, long seed) {
        this.ticks = ticks;
        this.horizons = List.copyOf(horizons);
        this.quantiles = quantiles.clone();
        this.targets = HorizonTargets.compute(ticks.times, ticks.prices, horizons);
        this.seed = seed;
        if (ticks.length < 2) {
            throw new IllegalArgumentException("a training window needs at least 2 ticks, got " + ticks.length);
        }
        long first = ticks.times[0], last = ticks.times[ticks.length - 1];
        int v = validationFraction <= 0 ? ticks.length
                : ticks.indexAtOrAfter(first + (long) ((1 - validationFraction) * (last - first)));
        this.validationStart = Math.max(1, v);
        this.trainingTargets = validationStart >= ticks.length ? targets
                : HorizonTargets.compute(java.util.Arrays.copyOf(ticks.times, validationStart),
                        java.util.Arrays.copyOf(ticks.prices, validationStart), horizons);
    }

    /** The target of training tick i (i < validationStart) from training prices only; see {@link #trainingTargets}. */
    public float trainingTarget(int i, int h) {
        if (i >= validationStart) {
            throw new IndexOutOfBoundsException("tick " + i + " is in the validation part (from " + validationStart + ")");
        }
        return trainingTargets[i * horizons.size() + h];
    }

    public int n() {
        return ticks.length;
    }

    public int nHorizons() {
        return horizons.size();
    }

    public float target(int i, int h) {
        return targets[i * horizons.size() + h];
    }

    /** Mean of the squared known targets of horizon h over ticks [0, end); NaN when none is known. */
    public double targetMeanSquare(int h, int end) {
        return meanSquare(targets, h, end);
    }

    /** {@link #targetMeanSquare} of the training part's own targets ({@link #trainingTarget}). */
    public double trainingTargetMeanSquare(int h) {
        return meanSquare(trainingTargets, h, validationStart);
    }

    private double meanSquare(float[] y, int h, int end) {
        double ss = 0;
        long c = 0;
        for (int i = 0; i < end; i++) {
            float yy = y[i * horizons.size() + h];
            if (Float.isFinite(yy)) {
                ss += (double) yy * yy;
                c++;
            }
        }
        return c == 0 ? Double.NaN : ss / c;
    }

    /** The live log-return feature of tick i (0 for the very first tick of the file). */
    public static double logReturn(TickSeries s, int i) {
        return s.rawFeatures[i * TickFeatures.COUNT];
    }

    /**
     * For each horizon, how many ticks ahead its outcome lies on average in this window: the horizon itself for
     * tick horizons; for time horizons, the mean number of ticks in (t, t + h].
     */
    public double[] ticksAhead() {
        return ticksAhead(ticks, horizons, null);
    }

    /** {@link #ticksAhead()} over the ticks {@code indices} of {@code s} (all when null), outcomes looked up in all of s. */
    public static double[] ticksAhead(TickSeries s, List<Horizon> horizons, int[] indices) {
        int n = s.length;
        double[] out = new double[horizons.size()];
        for (int h = 0; h < out.length; h++) {
            Horizon hz = horizons.get(h);
            if (hz.inTicks()) {
                out[h] = hz.amount();
                continue;
            }
            long sum = 0, count = 0;
            int j = 0;
            int m = indices == null ? n : indices.length;
            for (int k = 0; k < m; k++) {
                int i = indices == null ? k : indices[k];
                long until = s.times[i] + hz.millis();
                if (j < i) {
                    j = i;
                }
                while (j + 1 < n && s.times[j + 1] <= until) {
                    j++;
                }
                if (j + 1 < n) {
                    sum += j - i;
                    count++;
                }
            }
            out[h] = count == 0 ? 1 : Math.max(1e-3, (double) sum / count);
        }
        return out;
    }
}
