package org.mambats.model.train;

/**
 * Mean pinball (quantile) loss over (batch, time, horizon, quantile), skipping unknown targets.
 *
 * <pre>
 *   u = y - q;   loss(u) = max(tau * u, (tau - 1) * u)
 * </pre>
 * averaged over every (token, horizon) whose target is finite, times the Q quantiles. A NaN (or other non-finite) target (unknown, e.g.
 * past the end of the data or on padding) contributes nothing.
 */
public final class PinballLoss {
    private final float[] levels;

    /** @param levels the quantile levels tau_j, strictly ascending in (0, 1) */
    public PinballLoss(float[] levels) {
        if (levels.length == 0) {
            throw new IllegalArgumentException("need at least one quantile level");
        }
        for (int j = 0; j < levels.length; j++) {
            if (!(levels[j] > 0f && levels[j] < 1f)) {
                throw new IllegalArgumentException("quantile level " + levels[j] + " is not in (0, 1)");
            }
            if (j > 0 && !(levels[j] > levels[j - 1])) {
                throw new IllegalArgumentException("quantile levels must be strictly ascending");
            }
        }
        this.levels = levels.clone();
    }

    public int nQuantiles() {
        return levels.length;
    }

    public float[] levels() {
        return levels.clone();
    }

    /** Sum and count of one evaluation, for combining batches into an exact mean. */
    public record Result(double sum, long count) {
        public double mean() {
            return count == 0 ? Double.NaN : sum / count;
        }
    }

    /**
     * Per tick, the summed loss over every horizon and quantile whose target is known, into {@code out[off + t]}
     * for the first {@code ticks} ticks (0 for a tick with none known).
     */
    public void perTick(float[] quantiles, float[] targets, int horizons, int ticks, double[] out, int off) {
        int q = levels.length;
        for (int t = 0; t < ticks; t++) {
            double sum = 0;
            for (int h = 0; h < horizons; h++) {
                int i = t * horizons + h;
                float y = targets[i];
                if (!Float.isFinite(y)) {
                    continue;
                }
                for (int j = 0; j < q; j++) {
                    double u = (double) y - quantiles[i * q + j];
                    double tau = levels[j];
                    sum += u >= 0 ? tau * u : (tau - 1) * u;
                }
            }
            out[off + t] = sum;
        }
    }

    /**
     * Loss of {@code quantiles} [T, H*Q] (index h*Q + j) against {@code targets} [T, H] (NaN = unknown).
     * When {@code grad} is not null it receives d(mean loss)/d(quantiles) (overwritten).
     */
    public Result evaluate(float[] quantiles, float[] targets, int horizons, float[] grad) {
        int q = levels.length;
        int tokens = targets.length / horizons;
        if (targets.length != tokens * horizons || quantiles.length != targets.length * q) {
            throw new IllegalArgumentException("quantiles must hold T*H*Q values and targets T*H values");
        }
        double sum = 0;
        long count = 0;
        if (grad != null) {
            java.util.Arrays.fill(grad, 0f);
        }
        for (int i = 0; i < targets.length; i++) {
            float y = targets[i];
            if (!Float.isFinite(y)) {
                continue;
            }
            int o = i * q;
            for (int j = 0; j < q; j++) {
                double u = (double) y - quantiles[o + j];
                double tau = levels[j];
                sum += u >= 0 ? tau * u : (tau - 1) * u;
                if (grad != null) {
                    grad[o + j] = u >= 0 ? -levels[j] : 1f - levels[j];
                }
            }
            count += q;
        }
        // The loss is a mean over the scored entries, whose count is known only now.
        if (grad != null && count > 0) {
            float inv = (float) (1.0 / count);
            for (int i = 0; i < grad.length; i++) {
                grad[i] *= inv;
            }
        }
        return new Result(sum, count);
    }
}
