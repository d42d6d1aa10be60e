package org.mambats.backtest.baseline;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mambats.model.dataset.TickSeries;

/**
 * Exponentially weighted moving averages of the per-tick log return r (the live feature): the mean
 * {@code m_t = a m_{t-1} + (1 - a) r_t} and the variance {@code v_t = a v_{t-1} + (1 - a) r_t^2} (RiskMetrics,
 * around zero), with {@code a = 0.5^(1 / half-life)}. The forecast for horizon h is Gaussian with mean
 * {@code m_t * n_h} and variance {@code k_h * v_t}, where n_h is the mean number of ticks the horizon spans and
 * k_h = mean(target_h^2) / mean(r^2), both measured on the training window: the scaling from one tick to the
 * horizon is the one the training window showed (square-root-of-time when returns are uncorrelated, less when
 * trade prices bounce between bid and ask). The half-life is the one of {@link #HALF_LIVES} (10, 50, 200, 1000, 5000 ticks) with the lowest mean
 * pinball loss on the training window.
 */
public final class EwmaBaseline implements Baseline {
    public static final String NAME = "ewma";
    static final double[] HALF_LIVES = {10, 50, 200, 1000, 5000};

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Fitted fit(FitWindow w) {
        int n = w.n(), hCount = w.nHorizons();
        double[] z = Gaussian.z(w.quantiles);
        double[] ticksAhead = w.ticksAhead();
        double r2 = 0;
        for (int i = 1; i < n; i++) {
            double r = FitWindow.logReturn(w.ticks, i);
            r2 += r * r;
        }
        double v0 = Math.max(r2 / Math.max(1, n - 1), 1e-14);
        double[] k = new double[hCount];
        for (int h = 0; h < hCount; h++) {
            double ms = w.targetMeanSquare(h, n);
            k[h] = Double.isNaN(ms) ? ticksAhead[h] : Math.max(1e-6, ms / v0);
        }
        double best = Double.POSITIVE_INFINITY, bestHalfLife = HALF_LIVES[0];
        for (double hl : HALF_LIVES) {
            Model m = new Model(hl, v0, ticksAhead, k, z);
            double loss = m.trainingLoss(w);
            if (loss < best) {
                best = loss;
                bestHalfLife = hl;
            }
        }
        Model chosen = new Model(bestHalfLife, v0, ticksAhead, k, z);
        double bestLoss = best;
        return new Fitted() {
            @Override
            public ObjectNode describe() {
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                o.put("half_life_ticks", chosen.halfLife);
                o.put("training_pinball", bestLoss);
                o.put("initial_variance", v0);
                ObjectNode per = o.putObject("horizons");
                for (int h = 0; h < hCount; h++) {
                    per.putObject(w.horizons.get(h).label()).put("ticks_ahead", ticksAhead[h]).put("variance_ratio", k[h]);
                }
                return o;
            }

            @Override
            public void forecast(TickSeries ticks, int from, float[] out) {
                chosen.run(ticks, from, out);
            }
        };
    }

    private static final class Model {
        final double halfLife, a, v0;
        final double[] ticksAhead, k, z;

        Model(double halfLife, double v0, double[] ticksAhead, double[] k, double[] z) {
            this.halfLife = halfLife;
            this.a = Math.pow(0.5, 1 / halfLife);
            this.v0 = v0;
            this.ticksAhead = ticksAhead;
            this.k = k;
            this.z = z;
        }

        void run(TickSeries ticks, int from, float[] out) {
            int hCount = k.length, nQ = z.length;
            double m = 0, v = v0;
            for (int i = 0; i < ticks.length; i++) {
                double r = i == 0 ? 0 : FitWindow.logReturn(ticks, i);
                m = a * m + (1 - a) * r;
                v = a * v + (1 - a) * r * r;
                if (i < from) {
                    continue;
                }
                int base = (i - from) * hCount * nQ;
                for (int h = 0; h < hCount; h++) {
                    double mean = m * ticksAhead[h], sd = Math.sqrt(k[h] * Math.max(v, 1e-16));
                    for (int j = 0; j < nQ; j++) {
                        out[base + h * nQ + j] = (float) (mean + sd * z[j]);
                    }
                }
            }
        }

        double trainingLoss(FitWindow w) {
            int hCount = k.length;
            double m = 0, v = v0, sum = 0;
            long count = 0;
            for (int i = 0; i < w.n(); i++) {
                double r = i == 0 ? 0 : FitWindow.logReturn(w.ticks, i);
                m = a * m + (1 - a) * r;
                v = a * v + (1 - a) * r * r;
                for (int h = 0; h < hCount; h++) {
                    float y = w.target(i, h);
                    if (Float.isFinite(y)) {
                        sum += Gaussian.pinball(m * ticksAhead[h], Math.sqrt(k[h] * Math.max(v, 1e-16)), z, w.quantiles, y) / Math.sqrt(k[h]);
                        count++;
                    }
                }
            }
            return count == 0 ? Double.POSITIVE_INFINITY : sum / count;
        }
    }
}
