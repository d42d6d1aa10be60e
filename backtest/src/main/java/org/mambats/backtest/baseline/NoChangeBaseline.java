package org.mambats.backtest.baseline;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import org.mambats.model.dataset.TickSeries;

/**
 * The random walk: the price is expected to stay where it is. Median 0; the other quantiles are the training
 * window's empirical quantiles of each horizon's log return (the level q is the sorted value at
 * {@code floor(q * n)}, as the training's no-skill figure takes them). It is the reference of the Diebold-Mariano
 * tests.
 */
public final class NoChangeBaseline implements Baseline {
    public static final String NAME = "no-change";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Fitted fit(FitWindow w) {
        int hCount = w.nHorizons(), nQ = w.quantiles.length;
        float[] q = new float[hCount * nQ];
        for (int h = 0; h < hCount; h++) {
            float[] v = new float[w.n()];
            int m = 0;
            for (int i = 0; i < w.n(); i++) {
                float y = w.target(i, h);
                if (Float.isFinite(y)) {
                    v[m++] = y;
                }
            }
            float[] sorted = Arrays.copyOf(v, m);
            Arrays.sort(sorted);
            for (int j = 0; j < nQ; j++) {
                q[h * nQ + j] = w.quantiles[j] == 0.5f || m == 0 ? 0f
                        : sorted[Math.min(m - 1, (int) Math.floor(w.quantiles[j] * m))];
            }
        }
        return new Fitted() {
            @Override
            public ObjectNode describe() {
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                ObjectNode per = o.putObject("quantiles");
                for (int h = 0; h < hCount; h++) {
                    var a = per.putArray(w.horizons.get(h).label());
                    for (int j = 0; j < nQ; j++) {
                        a.add(q[h * nQ + j]);
                    }
                }
                return o;
            }

            @Override
            public void forecast(TickSeries ticks, int from, float[] out) {
                for (int i = from; i < ticks.length; i++) {
                    System.arraycopy(q, 0, out, (i - from) * q.length, q.length);
                }
            }
        };
    }
}
