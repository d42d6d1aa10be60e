package org.mambats.backtest.report;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mambats.backtest.baseline.NoChangeBaseline;
import org.mambats.backtest.metrics.ForecastScores;
import org.mambats.backtest.metrics.TradingSimulation;
import org.mambats.backtest.run.Backtest;
import org.mambats.backtest.run.BacktestResult;
import org.mambats.backtest.run.ModelForecasts;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.features.Horizon;

/** The report's charts, rendered to PNG with Java2D (headless). */
public final class Charts {
    public static final String PRICE = "price_bands.png";
    public static final String EQUITY = "equity.png";
    public static final String CALIBRATION = "calibration.png";
    public static final String ERRORS = "error_by_horizon.png";
    static final int WIDTH = 1200;
    /** Length of the zoomed price window. */
    static final long ZOOM_MILLIS = 3 * 3_600_000L;

    private static final Map<String, Color> COLORS = Map.of(
            Backtest.MAMBA, new Color(31, 119, 180),
            Backtest.MAMBA_UNCALIBRATED, new Color(158, 202, 225),
            NoChangeBaseline.NAME, new Color(127, 127, 127),
            "ewma", new Color(255, 127, 14),
            "ar", new Color(44, 160, 44),
            "lstm", new Color(148, 103, 189),
            Backtest.BUY_AND_HOLD, new Color(30, 30, 30));

    private Charts() {
    }

    static Color color(String model) {
        return COLORS.getOrDefault(model, new Color(214, 39, 40));
    }

    static Color alpha(Color c, int a) {
        return new Color(c.getRed(), c.getGreen(), c.getBlue(), a);
    }

    public static void writeAll(BacktestResult r, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Plot.save(priceBands(r), dir.resolve(PRICE));
        Plot.save(equity(r), dir.resolve(EQUITY));
        Plot.save(calibration(r), dir.resolve(CALIBRATION));
        Plot.save(errors(r), dir.resolve(ERRORS));
    }

    /** Top: the evaluated prices with fold boundaries. Bottom: a 3-hour zoom with the model's band for the trade horizon. */
    static BufferedImage priceBands(BacktestResult r) {
        TickSeries s = r.data.series;
        int n = r.nEval();
        int step = Math.max(1, n / 3000);
        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (int k = 0; k < n; k += step) {
            xs.add((double) s.times[r.evalIndex[k]]);
            ys.add(s.prices[r.evalIndex[k]]);
        }
        Plot top = new Plot(r.data.symbol + ": evaluated prices" + (r.folds.size() > 1 ? " (dashed: start of each fold's test window)" : ""),
                "time (UTC)", "price").timeAxis().legendAt("none");
        top.line(unbox(xs), unbox(ys), new Color(40, 40, 40), 1.2f, false, "price");
        if (r.folds.size() > 1) {
            int last = -1;
            for (int k = 0; k < n; k++) {
                if (r.evalFold[k] != last) {
                    last = r.evalFold[k];
                    top.vRule(s.times[r.evalIndex[k]], new Color(200, 60, 60), "fold " + last);
                }
            }
        }

        // Zoom: 3 hours from the middle of the last fold's test window (or everything, if shorter).
        int lastFold = r.evalFold[n - 1];
        int a = 0;
        while (r.evalFold[a] != lastFold) {
            a++;
        }
        long from = s.times[r.evalIndex[a]], to = s.times[r.evalIndex[n - 1]];
        if (to - from > ZOOM_MILLIS) {
            from = from + (to - from - ZOOM_MILLIS) / 2;
            to = from + ZOOM_MILLIS;
        }
        int h = r.rule == null ? r.horizons.size() - 1 : r.rule.horizonIndex();
        Horizon hz = r.horizons.get(h);
        int nQ = r.quantiles.length, per = r.horizons.size() * nQ;
        List<Double> px = new ArrayList<>(), py = new ArrayList<>(), bx = new ArrayList<>(), lo = new ArrayList<>(), hi = new ArrayList<>(),
                md = new ArrayList<>(), nlo = new ArrayList<>(), nhi = new ArrayList<>();
        ModelForecasts mamba = r.model(Backtest.MAMBA), ref = r.model(NoChangeBaseline.NAME);
        for (int k = 0; k < n; k++) {
            int i = r.evalIndex[k];
            long t = s.times[i];
            if (t < from || t > to) {
                continue;
            }
            px.add((double) t);
            py.add(s.prices[i]);
            long target;
            if (hz.inTicks()) {
                long j = i + hz.amount();
                if (j >= s.length) {
                    continue;
                }
                target = s.times[(int) j];
            } else {
                target = t + hz.millis();
            }
            int base = k * per + h * nQ;
            double p = s.prices[i];
            bx.add((double) target);
            lo.add(p * Math.exp(mamba.values[base]));
            hi.add(p * Math.exp(mamba.values[base + nQ - 1]));
            md.add(p * Math.exp(mamba.values[base + r.median]));
            if (ref != null) {
                nlo.add(p * Math.exp(ref.values[base]));
                nhi.add(p * Math.exp(ref.values[base + nQ - 1]));
            }
        }
        // Extend the realised price to the end of the last band, so the two can be compared everywhere.
        int k2 = r.data.series.indexAtOrAfter(to + 1);
        long bandEnd = bx.isEmpty() ? to : bx.get(bx.size() - 1).longValue();
        while (k2 < s.length && s.times[k2] <= bandEnd) {
            px.add((double) s.times[k2]);
            py.add(s.prices[k2]);
            k2++;
        }
        String band = pct(r.quantiles[0]) + "-" + pct(r.quantiles[nQ - 1]) + "%";
        Plot zoom = new Plot(String.format(Locale.ROOT, "Zoom: the Mamba %s band and median for the price %s ahead, drawn at the time it forecasts",
                band, hz.label()), "time (UTC)", "price").timeAxis().legendAt("top-left");
        Color mc = color(Backtest.MAMBA);
        zoom.band(unbox(bx), unbox(lo), unbox(hi), alpha(mc, 70), "Mamba " + band + " band");
        zoom.line(unbox(bx), unbox(md), mc, 1.2f, false, "Mamba median");
        if (ref != null && !nlo.isEmpty()) {
            zoom.line(unbox(bx), unbox(nlo), color(NoChangeBaseline.NAME), 1f, true, "no-change " + band + " band");
            zoom.line(unbox(bx), unbox(nhi), color(NoChangeBaseline.NAME), 1f, true, null);
        }
        zoom.line(unbox(px), unbox(py), Color.BLACK, 1.6f, false, "realised price");
        zoom.xRange(from, Math.max(to, bandEnd));

        BufferedImage img = Plot.image(WIDTH, 900);
        Graphics2D g = Plot.graphics(img);
        top.draw(g, 0, 0, WIDTH, 380);
        zoom.draw(g, 0, 380, WIDTH, 520);
        g.dispose();
        return img;
    }

    static BufferedImage equity(BacktestResult r) {
        TradingSimulation.Market m = r.market;
        Plot p = new Plot(String.format(Locale.ROOT, "Equity of the trading rule on each model's forecasts (%s horizon, %.1f bps costs); "
                        + "dashed: buy and hold", r.rule.horizon(), r.rule.costsBps()), "time (UTC)", "equity (start = 1)")
                .timeAxis().legendAt("bottom-left").hLine(1.0);
        if (m == null) {
            return p.render(WIDTH, 520);
        }
        int n = m.size(), step = Math.max(1, n / 4000);
        double[] x = new double[(n + step - 1) / step + 1];
        int c = 0;
        for (int k = 0; k < n; k += step) {
            x[c++] = m.times[k];
        }
        x[c++] = m.times[n - 1];
        double[] xs = java.util.Arrays.copyOf(x, c);
        for (Map.Entry<String, TradingSimulation.Result> e : r.trading.entrySet()) {
            double[] eq = e.getValue().equity();
            double[] y = new double[c];
            int j = 0;
            for (int k = 0; k < n; k += step) {
                y[j++] = eq[k];
            }
            y[j] = eq[n - 1];
            boolean bh = e.getKey().equals(Backtest.BUY_AND_HOLD);
            p.line(xs, y, color(e.getKey()), bh ? 1.5f : 2f, bh, String.format(Locale.ROOT, "%s  %+.2f%%", e.getKey(),
                    100 * e.getValue().cumulativeReturn()));
        }
        return p.render(WIDTH, 520);
    }

    static BufferedImage calibration(BacktestResult r) {
        int hCount = r.horizons.size(), cols = Math.min(hCount, 2), rows = (hCount + cols - 1) / cols;
        int pw = WIDTH / cols, ph = 430;
        BufferedImage img = Plot.image(WIDTH, rows * ph);
        Graphics2D g = Plot.graphics(img);
        double[] nominal = new double[r.quantiles.length];
        for (int j = 0; j < nominal.length; j++) {
            nominal[j] = r.quantiles[j];
        }
        for (int h = 0; h < hCount; h++) {
            Plot p = new Plot("Calibration, " + r.horizons.get(h).label() + ": share of outcomes at or below each quantile",
                    "nominal level", "observed share").xRange(0, 1).yRange(0, 1).legendAt("top-left");
            p.line(new double[] {0, 1}, new double[] {0, 1}, new Color(160, 160, 160), 1f, true, "perfect");
            for (ModelForecasts m : r.models) {
                ForecastScores sc = r.scores.get(m.name).get(h);
                p.line(nominal, sc.calibration(), color(m.name), 1.8f, false, m.name);
                p.markers(nominal, sc.calibration(), color(m.name), null);
            }
            p.draw(g, (h % cols) * pw, (h / cols) * ph, pw, ph);
        }
        g.dispose();
        return img;
    }

    static BufferedImage errors(BacktestResult r) {
        List<String> labels = r.horizons.stream().map(Horizon::label).toList();
        int hCount = labels.size();
        Plot rel = new Plot("Mean pinball loss relative to no-change (below 1 = better)", "horizon", "ratio").categories(labels).hLine(1)
                .legendAt("top-right");
        Plot mae = new Plot("MAE of the median forecast", "horizon", "bps").categories(labels).legendAt("top-left");
        Plot rmse = new Plot("RMSE of the median forecast", "horizon", "bps").categories(labels).legendAt("none");
        String band = pct(r.quantiles[0]) + "-" + pct(r.quantiles[r.quantiles.length - 1]) + "%";
        double nominal = r.quantiles[r.quantiles.length - 1] - r.quantiles[0];
        Plot cov = new Plot("Coverage of the " + band + " band (dashed: nominal " + pct((float) nominal) + "%)", "horizon", "share inside")
                .categories(labels).hLine(nominal).yRange(0, 1).legendAt("none");
        List<ForecastScores> ref = r.scores.get(NoChangeBaseline.NAME);
        for (ModelForecasts m : r.models) {
            List<ForecastScores> sc = r.scores.get(m.name);
            double[] a = new double[hCount], b = new double[hCount], c = new double[hCount], d = new double[hCount];
            for (int h = 0; h < hCount; h++) {
                a[h] = ref == null ? Double.NaN : sc.get(h).pinballMean() / ref.get(h).pinballMean();
                b[h] = 1e4 * sc.get(h).mae();
                c[h] = 1e4 * sc.get(h).rmse();
                d[h] = sc.get(h).coverage();
            }
            rel.bars(a, color(m.name), m.name);
            mae.bars(b, color(m.name), m.name);
            rmse.bars(c, color(m.name), m.name);
            cov.bars(d, color(m.name), m.name);
        }
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        if (ref != null) {
            for (ModelForecasts m : r.models) {
                for (int h = 0; h < hCount; h++) {
                    double v = r.scores.get(m.name).get(h).pinballMean() / ref.get(h).pinballMean();
                    if (Double.isFinite(v)) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
            if (Double.isFinite(lo)) {
                double pad = Math.max(0.01, (hi - lo) * 0.15);
                rel.yRange(Math.max(0, Math.min(lo, 1) - pad), Math.max(hi, 1) + pad);
            }
        }
        BufferedImage img = Plot.image(WIDTH, 860);
        Graphics2D g = Plot.graphics(img);
        rel.draw(g, 0, 0, WIDTH / 2, 430);
        cov.draw(g, WIDTH / 2, 0, WIDTH / 2, 430);
        mae.draw(g, 0, 430, WIDTH / 2, 430);
        rmse.draw(g, WIDTH / 2, 430, WIDTH / 2, 430);
        g.dispose();
        return img;
    }

    static String pct(float q) {
        double v = Math.round(1000.0 * q) / 10.0;
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private static double[] unbox(List<Double> v) {
        double[] a = new double[v.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = v.get(i);
        }
        return a;
    }
}
