package org.mambats.backtest.baseline;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.math3.stat.regression.OLSMultipleLinearRegression;
import org.mambats.model.dataset.TickSeries;

/**
 * An autoregressive model of the per-tick log return r (the live feature), fitted on the training window by
 * ordinary least squares, one regression per horizon (direct multi-step forecasting, which treats tick and time
 * horizons alike): {@code target_h(t) = c + b_1 r_t + b_2 r_{t-1} + ... + b_p r_{t-p+1} + e}. The order p is the one
 * of {@link #ORDERS} with the lowest BIC on that horizon (all orders fitted on the same rows); the quantiles are
 * Gaussian around the fit with the residuals' standard deviation.
 */
public final class ArBaseline implements Baseline {
    public static final String NAME = "ar";
    static final int[] ORDERS = {1, 2, 3, 5, 10};

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Fitted fit(FitWindow w) {
        int n = w.n(), hCount = w.nHorizons();
        int pMax = ORDERS[ORDERS.length - 1];
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            r[i] = FitWindow.logReturn(w.ticks, i);
        }
        double[][] coef = new double[hCount][];
        double[] sd = new double[hCount];
        int[] order = new int[hCount];
        double[] bicOf = new double[hCount];
        int[] rowsOf = new int[hCount];
        for (int h = 0; h < hCount; h++) {
            int m = 0;
            for (int i = pMax - 1; i < n; i++) {
                if (Float.isFinite(w.target(i, h))) {
                    m++;
                }
            }
            if (m < 2 * pMax + 10) {
                throw new IllegalArgumentException("AR baseline: only " + m + " training ticks with a known " + w.horizons.get(h).label()
                        + " outcome; the training window is too short");
            }
            double[] y = new double[m];
            int[] rowIdx = new int[m];
            int k = 0;
            for (int i = pMax - 1; i < n; i++) {
                float t = w.target(i, h);
                if (Float.isFinite(t)) {
                    y[k] = t;
                    rowIdx[k++] = i;
                }
            }
            double bestBic = Double.POSITIVE_INFINITY;
            for (int p : ORDERS) {
                double[][] x = new double[m][p];
                for (int a = 0; a < m; a++) {
                    for (int l = 0; l < p; l++) {
                        x[a][l] = r[rowIdx[a] - l];
                    }
                }
                OLSMultipleLinearRegression ols = new OLSMultipleLinearRegression();
                ols.newSampleData(y, x);
                double[] beta;
                double rss;
                try {
                    beta = ols.estimateRegressionParameters();
                    rss = ols.calculateResidualSumOfSquares();
                } catch (RuntimeException singular) {
                    continue; // e.g. a window of constant prices: this order is not identifiable
                }
                double bic = m * Math.log(Math.max(rss, 1e-300) / m) + (p + 1) * Math.log(m);
                if (bic < bestBic) {
                    bestBic = bic;
                    coef[h] = beta;
                    order[h] = p;
                    sd[h] = Math.sqrt(Math.max(rss / Math.max(1, m - p - 1), 1e-16));
                }
            }
            if (coef[h] == null) {
                coef[h] = new double[] {0, 0};
                order[h] = 1;
                sd[h] = 1e-8;
            }
            bicOf[h] = bestBic;
            rowsOf[h] = m;
        }
        double[] z = Gaussian.z(w.quantiles);
        return new Fitted() {
            @Override
            public ObjectNode describe() {
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                for (int h = 0; h < hCount; h++) {
                    ObjectNode e = o.putObject(w.horizons.get(h).label());
                    e.put("order", order[h]).put("intercept", coef[h][0]).put("residual_sd", sd[h]).put("bic", bicOf[h])
                            .put("rows", rowsOf[h]);
                    ArrayNode b = e.putArray("lag_coefficients");
                    for (int l = 1; l < coef[h].length; l++) {
                        b.add(coef[h][l]);
                    }
                }
                return o;
            }

            @Override
            public void forecast(TickSeries ticks, int from, float[] out) {
                int nQ = z.length;
                double[] lags = new double[pMax]; // lags[0] = r_t, lags[1] = r_{t-1}, ...
                for (int i = 0; i < ticks.length; i++) {
                    System.arraycopy(lags, 0, lags, 1, pMax - 1);
                    lags[0] = FitWindow.logReturn(ticks, i);
                    if (i < from) {
                        continue;
                    }
                    int base = (i - from) * hCount * nQ;
                    for (int h = 0; h < hCount; h++) {
                        double[] b = coef[h];
                        double mean = b[0];
                        for (int l = 1; l < b.length; l++) {
                            mean += b[l] * lags[l - 1];
                        }
                        for (int j = 0; j < nQ; j++) {
                            out[base + h * nQ + j] = (float) (mean + sd[h] * z[j]);
                        }
                    }
                }
            }
        };
    }
}
