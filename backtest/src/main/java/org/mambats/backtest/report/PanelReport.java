package org.mambats.backtest.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mambats.backtest.metrics.ForecastScores;
import org.mambats.backtest.metrics.PooledScores;
import org.mambats.backtest.metrics.Portfolio;
import org.mambats.backtest.run.Backtest;
import org.mambats.backtest.run.BacktestResult;
import org.mambats.backtest.run.PanelResult;
import org.mambats.backtest.run.SkillVerdict;

/**
 * The report of a universe: {@code metrics.json} (per-symbol summary, pooled scores, pooled verdicts, portfolio),
 * {@code report.html} with the per-symbol table, skill by symbol and the portfolio's equity beside each symbol's,
 * and each symbol's full report under {@code symbols/SYMBOL/}.
 */
public final class PanelReport {
    public static final String SKILL = "skill-by-symbol.png";
    public static final String PORTFOLIO = "portfolio-equity.png";
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Color[] HORIZON_COLORS = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
            new Color(148, 103, 189), new Color(140, 86, 75)};

    private PanelReport() {
    }

    /** Writes metrics.json, the charts and report.html into {@code dir}; returns the metrics document. */
    public static ObjectNode write(PanelResult p, Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectNode metrics = build(p, dir);
        MetricsJson.write(metrics, dir.resolve(ReportWriter.METRICS));
        System.setProperty("java.awt.headless", "true");
        Plot.save(skillBySymbol(p), dir.resolve(SKILL));
        Plot.save(portfolioEquity(p), dir.resolve(PORTFOLIO));
        Files.writeString(dir.resolve(ReportWriter.HTML), html(p), StandardCharsets.UTF_8);
        return metrics;
    }

    static ObjectNode build(PanelResult p, Path dir) {
        ObjectNode root = F.objectNode();
        ObjectNode run = root.putObject("run");
        run.put("id", p.runId).put("kind", "panel").put("started_at", p.startedAt).put("wall_seconds", p.wallSeconds);
        run.set("config", p.config.toJson());
        ArrayNode symbols = root.putArray("symbols");
        for (BacktestResult r : p.symbols) {
            ObjectNode o = symbols.addObject();
            o.put("symbol", r.data.symbol).put("run_id", r.runId).put("evaluated_ticks", r.nEval())
                    .put("report", dir.relativize(r.config.reportDir.resolve(ReportWriter.HTML)).toString().replace('\\', '/'));
            o.put("evaluated_from", r.dataRange.path("evaluated_from").asText()).put("evaluated_to", r.dataRange.path("evaluated_to").asText());
            ArrayNode hs = o.putArray("horizons");
            for (int h = 0; h < r.horizons.size(); h++) {
                ObjectNode e = hs.addObject();
                e.put("horizon", r.horizons.get(h).label());
                ForecastScores m = r.scores.get(Backtest.MAMBA).get(h);
                MetricsJson.put(e, "mamba_skill", skill(r, Backtest.MAMBA, h));
                MetricsJson.put(e, "mamba_uncalibrated_skill", skill(r, Backtest.MAMBA_UNCALIBRATED, h));
                MetricsJson.put(e, "coverage", m.coverage());
                MetricsJson.put(e, "coverage_uncalibrated", r.scores.get(Backtest.MAMBA_UNCALIBRATED).get(h).coverage());
                if (h < r.verdicts.size()) {
                    SkillVerdict v = r.verdicts.get(h);
                    e.put("best_baseline", v.baseline());
                    MetricsJson.put(e, "best_baseline_skill", skill(r, v.baseline(), h));
                    e.put("verdict", v.outcome().name().toLowerCase(Locale.ROOT));
                    MetricsJson.put(e, "verdict_p_value", v.dm().pValue());
                }
            }
            if (r.trading.containsKey(Backtest.MAMBA)) {
                MetricsJson.trading(o.putObject("trading_mamba"), r.trading.get(Backtest.MAMBA));
            }
        }
        ObjectNode pooled = root.putObject("pooled");
        pooled.put("definition", "losses in units of each symbol's no-change mean pinball (no-change = 1.0); skill = 1 - relative "
                + "pinball; DM on the pooled differences with the variance from time blocks as long as the horizon, shared by all symbols");
        for (Map.Entry<String, List<PooledScores>> e : p.pooled.entrySet()) {
            ArrayNode a = pooled.putArray(e.getKey());
            for (PooledScores s : e.getValue()) {
                ObjectNode o = a.addObject();
                o.put("horizon", s.horizon()).put("n", s.n()).put("symbols", s.symbols());
                MetricsJson.put(o, "relative_pinball", s.relativePinball());
                MetricsJson.put(o, "skill", s.skill());
                MetricsJson.put(o, "coverage", s.coverage());
                MetricsJson.put(o, "directional_accuracy", s.directionalAccuracy());
                if (s.dm() != null) {
                    MetricsJson.dm(o.putObject("dm_pinball_vs_no_change"), s.dm());
                }
            }
        }
        ArrayNode verdicts = root.putArray("verdicts");
        for (SkillVerdict v : p.verdicts) {
            ObjectNode o = verdicts.addObject();
            o.put("horizon", v.horizon()).put("versus", v.baseline()).put("outcome", v.outcome().name().toLowerCase(Locale.ROOT));
            MetricsJson.put(o, "skill", v.skill());
            MetricsJson.dm(o.putObject("dm_pinball"), v.dm());
            o.put("words", "pooled " + v.words());
        }
        ObjectNode book = root.putObject("portfolio");
        book.put("definition", "equal capital per symbol at the start, sleeves not rebalanced; each sleeve trades its symbol by the "
                + "run's rule with its costs; contribution = a sleeve's share of the book's return");
        for (Map.Entry<String, Portfolio.Result> e : p.portfolio.entrySet()) {
            Portfolio.Result t = e.getValue();
            ObjectNode o = book.putObject(e.getKey());
            o.put("sleeves", t.sleeves());
            MetricsJson.put(o, "cumulative_return", t.cumulativeReturn());
            MetricsJson.put(o, "sharpe", t.sharpe());
            MetricsJson.put(o, "sharpe_standard_error", t.sharpeStandardError());
            double[] ci = t.sharpeInterval95();
            MetricsJson.put(o, "sharpe_ci95_low", ci[0]);
            MetricsJson.put(o, "sharpe_ci95_high", ci[1]);
            MetricsJson.put(o, "sortino", t.sortino());
            MetricsJson.put(o, "max_drawdown", t.maxDrawdown());
            o.put("trades", t.trades());
            MetricsJson.put(o, "turnover_per_day", t.turnoverPerDay());
            ObjectNode c = o.putObject("contribution");
            for (int s = 0; s < t.contribution().length; s++) {
                MetricsJson.put(c, p.symbols.get(s).data.symbol, t.contribution()[s]);
            }
        }
        return root;
    }

    /** 1 - model pinball / no-change pinball on one symbol, NaN without no-change. */
    static double skill(BacktestResult r, String model, int h) {
        List<ForecastScores> ref = r.scores.get("no-change");
        List<ForecastScores> m = r.scores.get(model);
        return ref == null || m == null ? Double.NaN : 1 - m.get(h).pinballMean() / ref.get(h).pinballMean();
    }

    static BufferedImage skillBySymbol(PanelResult p) {
        List<String> names = p.symbolNames();
        Plot plot = new Plot("Mamba's skill against no-change, by symbol and horizon (pinball, calibrated forecasts)", "symbol",
                "skill (1 - pinball / no-change's)").categories(names).hLine(0).legendAt("top-right");
        double lo = 0, hi = 0;
        for (int h = 0; h < p.horizons.size(); h++) {
            double[] v = new double[names.size()];
            for (int s = 0; s < names.size(); s++) {
                v[s] = skill(p.symbols.get(s), Backtest.MAMBA, h);
                if (Double.isFinite(v[s])) {
                    lo = Math.min(lo, v[s]);
                    hi = Math.max(hi, v[s]);
                }
            }
            PooledScores pooled = p.pooled.get(Backtest.MAMBA).get(h);
            plot.bars(v, HORIZON_COLORS[h % HORIZON_COLORS.length], String.format(Locale.ROOT, "%s (pooled %+.1f%%)",
                    p.horizons.get(h).label(), 100 * pooled.skill()));
        }
        // Headroom above the tallest bar for the legend, which would otherwise cover some symbol's bars.
        double room = Math.max(hi - lo, 1e-3) * (0.12 * p.horizons.size() + 0.1);
        plot.yRange(lo, hi + room);
        return plot.render(Charts.WIDTH, 460);
    }

    static BufferedImage portfolioEquity(PanelResult p) {
        Plot plot = new Plot("Equity: the equal-sleeve portfolio (thick) and each symbol's Mamba sleeve (thin)", "time (UTC)",
                "equity (start = 1)").timeAxis().legendAt("top-left").hLine(1.0);
        Color[] sleeveColors = {new Color(170, 170, 200), new Color(200, 170, 170), new Color(170, 200, 170), new Color(200, 190, 150)};
        for (int s = 0; s < p.symbols.size(); s++) {
            BacktestResult r = p.symbols.get(s);
            if (r.market == null || !r.trading.containsKey(Backtest.MAMBA)) {
                continue;
            }
            double[][] xy = thin(r.market.times, r.trading.get(Backtest.MAMBA).equity());
            plot.line(xy[0], xy[1], sleeveColors[s % sleeveColors.length], 1f, false, p.symbols.size() <= 8 ? r.data.symbol : null);
        }
        for (Map.Entry<String, Portfolio.Result> e : p.portfolio.entrySet()) {
            if (!e.getKey().equals(Backtest.MAMBA) && !e.getKey().equals(Backtest.BUY_AND_HOLD)) {
                continue;
            }
            double[][] xy = thin(e.getValue().times(), e.getValue().equity());
            boolean bh = e.getKey().equals(Backtest.BUY_AND_HOLD);
            plot.line(xy[0], xy[1], Charts.color(e.getKey()), 2.5f, bh, String.format(Locale.ROOT, "portfolio, %s  %+.2f%%", e.getKey(),
                    100 * e.getValue().cumulativeReturn()));
        }
        return plot.render(Charts.WIDTH, 520);
    }

    /** At most about 4,000 points of a curve, the last one kept. */
    private static double[][] thin(long[] times, double[] y) {
        int n = times.length, step = Math.max(1, n / 4000);
        List<double[]> pts = new ArrayList<>();
        for (int k = 0; k < n; k += step) {
            pts.add(new double[] {times[k], y[k]});
        }
        if (n > 0 && (n - 1) % step != 0) {
            pts.add(new double[] {times[n - 1], y[n - 1]});
        }
        double[] xs = new double[pts.size()], ys = new double[pts.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = pts.get(i)[0];
            ys[i] = pts.get(i)[1];
        }
        return new double[][] {xs, ys};
    }

    static String html(PanelResult p) {
        StringBuilder b = new StringBuilder(32 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Panel backtest</title>\n<style>\n")
                .append("body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1240px;color:#222}\n")
                .append("table{border-collapse:collapse;margin:8px 0 20px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right;font-size:13px}\n")
                .append("th{background:#f3f3f3}td.l,th.l{text-align:left}td.worse{color:#b00}td.better{color:#070}\n")
                .append("img{max-width:100%;border:1px solid #ddd;margin:6px 0 18px}.note{color:#555;font-size:13px}code{background:#f5f5f5;padding:1px 3px}\n")
                .append("</style></head><body>\n");
        b.append("<h1>Panel backtest: ").append(p.symbols.size()).append(" symbols, ")
                .append(p.config.walkForward() ? (p.config.perSymbolModels ? "a model per symbol and fold" : "one global model per fold")
                        : "checkpoint").append("</h1>\n");
        b.append("<p>Data <code>").append(HtmlReport.esc(p.config.data)).append("</code>. Run ").append(HtmlReport.esc(p.runId))
                .append(", started ").append(HtmlReport.esc(p.startedAt)).append(String.format(Locale.ROOT, ", %.0f s.", p.wallSeconds))
                .append(" Each symbol's full report (every model, calibration, errors, trading) is linked from its name.</p>\n");

        b.append("<h2>Pooled over the universe</h2>\n<p class=\"note\">Losses in units of each symbol's no-change pinball "
                + "(no-change = 1.000), so a volatile symbol counts no more per tick than a calm one; skill = 1 - relative pinball. "
                + "DM: the pooled differences against no-change, variance from time blocks as long as the horizon shared by all "
                + "symbols, so correlation across symbols is in it.</p>\n");
        b.append("<table><tr><th class=\"l\">horizon</th><th class=\"l\">model</th><th>pairs</th><th>relative pinball</th><th>skill</th>"
                + "<th>coverage</th><th>direction</th><th>DM vs no-change (p)</th></tr>\n");
        for (int h = 0; h < p.horizons.size(); h++) {
            for (Map.Entry<String, List<PooledScores>> e : p.pooled.entrySet()) {
                PooledScores s = e.getValue().get(h);
                b.append("<tr><td class=\"l\">").append(HtmlReport.esc(s.horizon())).append("</td><td class=\"l\">").append(HtmlReport.esc(e.getKey()))
                        .append(String.format(Locale.ROOT, "</td><td>%,d</td><td>%.4f</td><td>%+.2f%%</td><td>%.3f</td><td>%.3f</td><td>%s</td></tr>%n",
                                s.n(), s.relativePinball(), 100 * s.skill(), s.coverage(), s.directionalAccuracy(),
                                s.dm() == null ? "reference" : String.format(Locale.ROOT, "%.2f (%.3f)", s.dm().statistic(), s.dm().pValue())));
            }
        }
        b.append("</table>\n<ul>\n");
        for (SkillVerdict v : p.verdicts) {
            b.append("<li>pooled ").append(HtmlReport.esc(v.words())).append("</li>\n");
        }
        b.append("</ul>\n<img src=\"").append(SKILL).append("\" alt=\"skill by symbol\">\n");

        b.append("<h2>By symbol</h2>\n<table><tr><th class=\"l\">symbol</th><th class=\"l\">horizon</th><th>scored</th><th>Mamba skill</th>"
                + "<th>before calibration</th><th class=\"l\">best baseline</th><th>its skill</th><th class=\"l\">verdict (p)</th>"
                + "<th>coverage before / after</th></tr>\n");
        for (BacktestResult r : p.symbols) {
            String link = "symbols/" + r.config.reportDir.getFileName() + "/" + ReportWriter.HTML;
            for (int h = 0; h < r.horizons.size(); h++) {
                SkillVerdict v = h < r.verdicts.size() ? r.verdicts.get(h) : null;
                String cls = v == null ? "" : v.outcome() == SkillVerdict.Outcome.WORSE ? " worse" : v.outcome() == SkillVerdict.Outcome.BETTER ? " better" : "";
                b.append("<tr><td class=\"l\">").append(h == 0 ? "<a href=\"" + HtmlReport.esc(link) + "\">" + HtmlReport.esc(r.data.symbol) + "</a>" : "")
                        .append("</td><td class=\"l\">").append(HtmlReport.esc(r.horizons.get(h).label()))
                        .append(String.format(Locale.ROOT, "</td><td>%,d</td><td>%+.2f%%</td><td>%+.2f%%</td>",
                                r.scores.get(Backtest.MAMBA).get(h).n(), 100 * skill(r, Backtest.MAMBA, h), 100 * skill(r, Backtest.MAMBA_UNCALIBRATED, h)))
                        .append("<td class=\"l\">").append(v == null ? "" : HtmlReport.esc(v.baseline()))
                        .append(String.format(Locale.ROOT, "</td><td>%+.2f%%</td>", v == null ? Double.NaN : 100 * skill(r, v.baseline(), h)))
                        .append("<td class=\"l").append(cls).append("\">")
                        .append(v == null ? "" : v.outcome().name().toLowerCase(Locale.ROOT) + String.format(Locale.ROOT, " (%.3f)", v.dm().pValue()))
                        .append(String.format(Locale.ROOT, "</td><td>%.3f / %.3f</td></tr>%n", r.scores.get(Backtest.MAMBA_UNCALIBRATED).get(h).coverage(),
                                r.scores.get(Backtest.MAMBA).get(h).coverage()));
            }
        }
        b.append("</table>\n");

        if (!p.portfolio.isEmpty()) {
            BacktestResult r0 = p.symbols.get(0);
            b.append("<h2>Portfolio</h2>\n<p class=\"note\">Equal capital per symbol at the start, sleeves not rebalanced; each sleeve trades "
                    + "its symbol by the rule on ").append(HtmlReport.esc(r0.rule.horizon())).append(String.format(Locale.ROOT,
                    " medians with %.1f bps costs. Sharpe from returns over %s bars, with its 95%% interval.</p>%n", r0.rule.costsBps(),
                    HtmlReport.esc(p.config.toJson().path("sharpe_bar").asText())));
            b.append("<table><tr><th class=\"l\">model</th><th>return</th><th>Sharpe [95%]</th><th>Sortino</th><th>max drawdown</th>"
                    + "<th>trades</th><th>turnover / day</th><th class=\"l\">largest contributions</th></tr>\n");
            for (Map.Entry<String, Portfolio.Result> e : p.portfolio.entrySet()) {
                Portfolio.Result t = e.getValue();
                double[] ci = t.sharpeInterval95();
                b.append("<tr><td class=\"l\">").append(HtmlReport.esc(e.getKey())).append(String.format(Locale.ROOT,
                        "</td><td>%+.2f%%</td><td>%.2f [%.2f, %.2f]</td><td>%.2f</td><td>%.2f%%</td><td>%,d</td><td>%.2f</td><td class=\"l\">%s</td></tr>%n",
                        100 * t.cumulativeReturn(), t.sharpe(), ci[0], ci[1], t.sortino(), 100 * t.maxDrawdown(), t.trades(), t.turnoverPerDay(),
                        HtmlReport.esc(contributions(p, t))));
            }
            b.append("</table>\n<img src=\"").append(PORTFOLIO).append("\" alt=\"portfolio equity\">\n");
        }
        b.append("</body></html>\n");
        return b.toString();
    }

    /** The three largest contributions by size, signed. */
    private static String contributions(PanelResult p, Portfolio.Result t) {
        Integer[] order = new Integer[t.contribution().length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, c) -> Double.compare(Math.abs(t.contribution()[c]), Math.abs(t.contribution()[a])));
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(3, order.length); i++) {
            s.append(i == 0 ? "" : ", ").append(p.symbols.get(order[i]).data.symbol)
                    .append(String.format(Locale.ROOT, " %+.2f%%", 100 * t.contribution()[order[i]]));
        }
        return s.toString();
    }
}
