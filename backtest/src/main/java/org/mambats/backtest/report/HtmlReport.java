package org.mambats.backtest.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mambats.backtest.metrics.DieboldMariano;
import org.mambats.backtest.metrics.ForecastScores;
import org.mambats.backtest.metrics.TradingRule;
import org.mambats.backtest.metrics.TradingSimulation;
import org.mambats.backtest.run.Backtest;
import org.mambats.backtest.run.BacktestResult;
import org.mambats.backtest.run.ModelForecasts;

/** report.html: the headline tables and the charts (PNG files next to it); self-contained, nothing fetched. */
public final class HtmlReport {
    private HtmlReport() {
    }

    public static void write(BacktestResult r, Path file) throws IOException {
        Files.writeString(file, render(r), StandardCharsets.UTF_8);
    }

    static String render(BacktestResult r) {
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Backtest: ").append(esc(r.data.symbol))
                .append("</title>\n<style>\n")
                .append("body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1240px;color:#222}\n")
                .append("table{border-collapse:collapse;margin:8px 0 20px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right;font-size:13px}\n")
                .append("th{background:#f3f3f3}td.l,th.l{text-align:left}tr.best td{font-weight:bold}\n")
                .append("img{max-width:100%;border:1px solid #ddd;margin:6px 0 18px}.note{color:#555;font-size:13px}code{background:#f5f5f5;padding:1px 3px}\n")
                .append("</style></head><body>\n");
        b.append("<h1>Backtest: ").append(esc(r.data.symbol)).append(", ").append(r.config.walkForward() ? "walk-forward" : "checkpoint")
                .append("</h1>\n");
        JsonNode d = r.dataRange;
        b.append("<p>Data <code>").append(esc(r.data.location)).append("</code>: ").append(String.format(Locale.ROOT, "%,d", d.path("rows").asLong()))
                .append(" rows, ").append(String.format(Locale.ROOT, "%,d", d.path("accepted").asLong())).append(" accepted, from ")
                .append(esc(d.path("data_from").asText())).append(" to ").append(esc(d.path("data_to").asText())).append(". Scored: ")
                .append(String.format(Locale.ROOT, "%,d", r.nEval())).append(" ticks from ").append(esc(d.path("evaluated_from").asText()))
                .append(" to ").append(esc(d.path("evaluated_to").asText())).append(" in ").append(r.folds.size())
                .append(r.folds.size() == 1 ? " fold" : " folds").append(". Run ").append(esc(r.runId)).append(", started ")
                .append(esc(r.startedAt)).append(String.format(Locale.ROOT, ", %.0f s.", r.wallSeconds)).append("</p>\n");
        if (r.config.walkForward()) {
            b.append("<p class=\"note\">Walk-forward: each fold trains a model on a ").append(esc(r.config.toJson().path("train_window").asText()))
                    .append(" window (the last ").append(pct(r.config.training.validationFraction)).append(" of it held out for early stopping), ")
                    .append("then its checkpoint is replayed through the live operator's ForecastStepper from the start of that window: the "
                            + "training ticks warm the state up, the next ").append(esc(r.config.toJson().path("test_window").asText()))
                    .append(" is forecast. No forecast uses a tick after its own; every baseline is fitted on the same training window.</p>\n");
        } else {
            b.append("<p class=\"note\">Checkpoint <code>").append(esc(String.valueOf(r.config.checkpoint))).append("</code> replayed "
                    + "through the live operator's ForecastStepper over every row (forecasts.csv, identical to <code>./mamba-ts predict</code>). "
                    + "Scored ticks: ").append(esc(r.dataRange.path("evaluation_rule").asText())).append(".</p>\n");
        }

        // Forecast metrics, one table per horizon.
        b.append("<h2>Forecasts</h2>\n<p class=\"note\">Log returns in basis points. Pinball: mean over the levels (lower is better). "
                + "Coverage: share of outcomes inside the outer band. Direction: share of same-sign median and outcome where both are "
                + "non-zero. DM: Diebold-Mariano against no-change on the pinball loss (negative = better than no-change), its variance "
                + "from blocks of ticks as long as the horizon (only neighbouring blocks share outcomes), with the HAC lag in blocks in "
                + "brackets; n/a when no-change was not run. Skill: 1 - pinball / no-change pinball.</p>\n");
        float[] q = r.quantiles;
        Map<String, List<ForecastScores>> sc = r.scores;
        List<ForecastScores> ref = sc.get("no-change");
        for (int h = 0; h < r.horizons.size(); h++) {
            String label = r.horizons.get(h).label();
            b.append("<h3>").append(esc(label)).append(String.format(Locale.ROOT, "</h3>\n<p class=\"note\">%,d scored ticks, outcome on average %.1f ticks ahead.</p>\n",
                    sc.get(Backtest.MAMBA).get(h).n(), r.ticksAhead[h]));
            b.append("<table><tr><th class=\"l\">model</th><th>MAE</th><th>RMSE</th><th>pinball</th>");
            for (float level : q) {
                b.append("<th>pinball q").append(level).append("</th>");
            }
            b.append("<th>coverage ").append(q[0]).append("-").append(q[q.length - 1]).append(" (nominal ")
                    .append(String.format(Locale.ROOT, "%.2f", q[q.length - 1] - q[0])).append(")</th><th>direction</th><th>skill</th><th>DM</th><th>p</th></tr>\n");
            double best = Double.POSITIVE_INFINITY;
            for (ModelForecasts m : r.models) {
                best = Math.min(best, sc.get(m.name).get(h).pinballMean());
            }
            for (ModelForecasts m : r.models) {
                ForecastScores s = sc.get(m.name).get(h);
                b.append(s.pinballMean() == best ? "<tr class=\"best\">" : "<tr>").append("<td class=\"l\">").append(esc(m.name)).append("</td>");
                b.append(td(bps(s.mae()), 3)).append(td(bps(s.rmse()), 3)).append(td(bps(s.pinballMean()), 4));
                for (double p : s.pinball()) {
                    b.append(td(bps(p), 4));
                }
                b.append(td(s.coverage(), 3)).append(td(s.directionalAccuracy(), 3));
                b.append(td(ref == null ? Double.NaN : 100 * (1 - s.pinballMean() / ref.get(h).pinballMean()), 2, "%"));
                List<DieboldMariano.Result> dm = r.dmPinball.get(m.name);
                if (dm == null) {
                    b.append(m.name.equals("no-change") ? "<td>reference</td><td></td>" : "<td>n/a</td><td></td>");
                } else {
                    DieboldMariano.Result x = dm.get(h);
                    b.append("<td>").append(fmt(x.statistic(), 2)).append(" [").append(x.lag()).append("]</td>").append(td(x.pValue(), 4));
                }
                b.append("</tr>\n");
            }
            b.append("</table>\n");
        }

        // Trading.
        if (r.rule != null && !r.trading.isEmpty()) {
            b.append("<h2>Trading</h2>\n<p class=\"note\">").append(esc(r.rule.describe())).append(" Sharpe and Sortino from ")
                    .append(esc(r.config.toJson().path("sharpe_bar").asText()))
                    .append(" bars, annualised over 365 days, with a 95% confidence interval (Mertens' standard error, which allows for "
                            + "the bar returns' skew and fat tails; an interval that contains 0 shows no edge). Hit rate: share of closed "
                            + "positions with a profit after costs.</p>\n");
            b.append("<table><tr><th class=\"l\">model</th><th>cumulative return</th><th>Sharpe</th><th>Sharpe, 95% interval</th>"
                    + "<th>Sortino</th><th>max drawdown</th>"
                    + "<th>hit rate</th><th>trades</th><th>turnover / day</th><th>exposure</th></tr>\n");
            for (Map.Entry<String, TradingSimulation.Result> e : r.trading.entrySet()) {
                TradingSimulation.Result t = e.getValue();
                b.append("<tr><td class=\"l\">").append(esc(e.getKey())).append("</td>").append(td(100 * t.cumulativeReturn(), 2, "%"))
                        .append(td(t.sharpe(), 2)).append("<td>").append(interval(t.sharpeInterval95())).append("</td>")
                        .append(td(t.sortino(), 2)).append(td(100 * t.maxDrawdown(), 2, "%"))
                        .append(td(t.hitRate() * 100, 1, "%")).append("<td>").append(String.format(Locale.ROOT, "%,d", t.trades())).append("</td>")
                        .append(td(t.turnoverPerDay(), 1)).append(td(100 * t.exposure(), 1, "%")).append("</tr>\n");
            }
            b.append("</table>\n");
            b.append("<p class=\"note\">The same rule with orders filled later: cumulative return by latency (the first tick at least that "
                    + "long after the decision; \"next tick\" is often the same instant, as prints come in bursts). An edge that vanishes "
                    + "with a second of latency is not one a real system can take.</p>\n<table><tr><th class=\"l\">model</th>");
            for (long ms : Backtest.LATENCIES_MS) {
                b.append("<th>").append(ms == 0 ? "next tick" : esc(TradingRule.latencyText(ms))).append("</th>");
            }
            b.append("</tr>\n");
            for (Map.Entry<String, double[]> e : r.returnByLatency.entrySet()) {
                b.append("<tr><td class=\"l\">").append(esc(e.getKey())).append("</td>");
                for (double v : e.getValue()) {
                    b.append(td(100 * v, 2, "%"));
                }
                b.append("</tr>\n");
            }
            b.append("</table>\n");
        }

        b.append("<h2>Charts</h2>\n");
        img(b, Charts.PRICE, "Prices and forecast band");
        img(b, Charts.EQUITY, "Equity curves");
        img(b, Charts.CALIBRATION, "Calibration");
        img(b, Charts.ERRORS, "Error by horizon");

        // Folds.
        b.append("<h2>Folds</h2>\n<table><tr><th>fold</th><th class=\"l\">train / fit from</th><th class=\"l\">test from</th>"
                + "<th class=\"l\">test to</th><th>test ticks</th><th>epochs (best)</th><th>validation pinball (no-skill)</th><th>replay ticks/s</th></tr>\n");
        for (JsonNode f : r.folds) {
            b.append("<tr><td>").append(f.path("fold").asInt()).append("</td><td class=\"l\">")
                    .append(esc(f.has("train_from") ? f.path("train_from").asText() : f.path("baseline_fit_from").asText()))
                    .append("</td><td class=\"l\">").append(esc(f.path("test_from").asText())).append("</td><td class=\"l\">")
                    .append(esc(f.path("test_to").asText())).append("</td><td>").append(String.format(Locale.ROOT, "%,d", f.path("test_ticks").asLong()))
                    .append("</td><td>").append(f.has("epochs_run") ? f.path("epochs_run").asInt() + " (" + f.path("best_epoch").asInt() + ")" : "")
                    .append("</td><td>").append(f.has("validation_pinball") ? fmt(f.path("validation_pinball").asDouble(Double.NaN), 4) + " ("
                            + fmt(f.path("validation_pinball_no_skill").asDouble(Double.NaN), 4) + ")" : "")
                    .append("</td><td>").append(String.format(Locale.ROOT, "%,.0f", f.path("replay_ticks_per_second").asDouble())).append("</td></tr>\n");
        }
        b.append("</table>\n");
        b.append("<h2>Baselines</h2>\n<ul class=\"note\">\n"
                + "<li><b>no-change</b>: random walk; median 0, other quantiles the training window's empirical quantiles of each horizon's return.</li>\n"
                + "<li><b>ewma</b>: EWMA mean and variance of the per-tick return (half-life chosen on the training window from 10, 50, 200, 1000, 5000 ticks); "
                + "Gaussian quantiles, mean scaled by the ticks a horizon spans, variance by the training window's ratio of horizon to tick variance.</li>\n"
                + "<li><b>ar</b>: per horizon, least squares of the horizon's return on the last p tick returns (p by BIC from 1, 2, 3, 5, 10), "
                + "Gaussian quantiles with the residual standard deviation.</li>\n"
                + "<li><b>lstm</b>: Deeplearning4j LSTM (").append(r.config.lstmHidden).append(" units) and a dense output per horizon on the "
                        + "same normalised features, mean squared error, early stopping on the held-out end of the training window; quantiles "
                        + "= prediction + held-out residual quantiles.</li>\n</ul>\n");
        b.append("<p class=\"note\">Every figure is in metrics.json; every Mamba forecast in forecasts.csv (the <code>predict</code> format).</p>\n");
        b.append("</body></html>\n");
        return b.toString();
    }

    private static void img(StringBuilder b, String file, String alt) {
        b.append("<h3>").append(esc(alt)).append("</h3>\n<img src=\"").append(file).append("\" alt=\"").append(esc(alt)).append("\">\n");
    }

    private static double bps(double v) {
        return 1e4 * v;
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * v);
    }

    private static String td(double v, int decimals) {
        return td(v, decimals, "");
    }

    private static String td(double v, int decimals, String suffix) {
        return "<td>" + (Double.isFinite(v) ? fmt(v, decimals) + suffix : "&ndash;") + "</td>";
    }

    /** "[low, high]" to two decimals, or a dash when the interval is not defined. */
    private static String interval(double[] lowHigh) {
        return Double.isFinite(lowHigh[0]) && Double.isFinite(lowHigh[1]) ? "[" + fmt(lowHigh[0], 2) + ", " + fmt(lowHigh[1], 2) + "]" : "&ndash;";
    }

    private static String fmt(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "&ndash;";
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
