package org.mambats.backtest.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mambats.backtest.metrics.DieboldMariano;
import org.mambats.backtest.metrics.ForecastScores;
import org.mambats.backtest.metrics.TradingSimulation;
import org.mambats.backtest.run.Backtest;
import org.mambats.backtest.run.BacktestResult;
import org.mambats.backtest.run.Durations;
import org.mambats.backtest.run.ModelForecasts;

/** metrics.json: every metric of every model and horizon, the trading results, the run's configuration, data range and folds. */
public final class MetricsJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private MetricsJson() {
    }

    public static ObjectNode build(BacktestResult r) {
        ObjectNode root = F.objectNode();
        ObjectNode run = root.putObject("run");
        run.put("id", r.runId).put("started_at", r.startedAt).put("wall_seconds", r.wallSeconds)
                .put("java", System.getProperty("java.version")).put("cores", Runtime.getRuntime().availableProcessors());
        if (r.panelRunId != null) {
            run.put("panel_run_id", r.panelRunId);
        }
        run.set("config", r.config.toJson());
        root.set("data", r.dataRange);
        ArrayNode hz = root.putArray("horizons");
        for (int h = 0; h < r.horizons.size(); h++) {
            hz.addObject().put("label", r.horizons.get(h).label()).put("mean_ticks_ahead", r.ticksAhead[h])
                    .put("scored", count(r.mask, h, r.horizons.size()));
        }
        ArrayNode q = root.putArray("quantiles");
        for (float v : r.quantiles) {
            q.add(v);
        }
        root.set("folds", r.folds);
        root.put("forecasts_csv_rows", r.mambaForecastRows);
        root.put("replay_mismatches", r.replayMismatches);

        ObjectNode rule = root.putObject("trading_rule");
        if (r.rule != null) {
            rule.put("description", r.rule.describe()).put("horizon", r.rule.horizon()).put("threshold_bps", 1e4 * r.rule.threshold())
                    .put("costs_bps", r.rule.costsBps()).put("latency_ms", r.rule.latencyMillis())
                    .put("sharpe_sortino_bar", Durations.format(r.config.bar))
                    .put("annualisation", "sqrt(bars per 365-day year): crypto trades every day");
        }

        ArrayNode verdicts = root.putArray("verdicts");
        for (org.mambats.backtest.run.SkillVerdict v : r.verdicts) {
            ObjectNode o = verdicts.addObject();
            o.put("horizon", v.horizon()).put("versus", v.baseline()).put("outcome", v.outcome().name().toLowerCase(java.util.Locale.ROOT));
            put(o, "skill", v.skill());
            dm(o.putObject("dm_pinball"), v.dm());
            o.put("words", v.words());
        }
        ObjectNode models = root.putObject("models");
        for (ModelForecasts m : r.models) {
            ObjectNode mo = models.putObject(m.name);
            ObjectNode per = mo.putObject("horizons");
            List<ForecastScores> scores = r.scores.get(m.name);
            List<DieboldMariano.Result> dmP = r.dmPinball.get(m.name), dmS = r.dmSquaredError.get(m.name);
            for (int h = 0; h < r.horizons.size(); h++) {
                ObjectNode e = per.putObject(r.horizons.get(h).label());
                scores(e, scores.get(h), r.quantiles);
                if (dmP != null) {
                    ObjectNode dm = e.putObject("dm_vs_no_change");
                    dm(dm.putObject("pinball"), dmP.get(h));
                    dm(dm.putObject("squared_error"), dmS.get(h));
                }
            }
            TradingSimulation.Result t = r.trading.get(m.name);
            if (t != null) {
                ObjectNode to = mo.putObject("trading");
                trading(to, t);
                double[] byLatency = r.returnByLatency.get(m.name);
                if (byLatency != null) {
                    ObjectNode bl = to.putObject("cumulative_return_by_latency_ms");
                    for (int i = 0; i < byLatency.length; i++) {
                        put(bl, Long.toString(org.mambats.backtest.run.Backtest.LATENCIES_MS[i]), byLatency[i]);
                    }
                }
            }
            mo.put("fit_seconds", m.fitSeconds).put("forecast_seconds", m.forecastSeconds);
            mo.set("folds", m.folds);
        }
        TradingSimulation.Result bh = r.trading.get(Backtest.BUY_AND_HOLD);
        if (bh != null) {
            trading(root.putObject("buy_and_hold"), bh);
        }
        ObjectNode t = root.putObject("timings_seconds");
        r.timings.forEach(t::put);
        root.set("definitions", definitions());
        return root;
    }

    /** Writes the document, any non-finite number (a fitted figure that could not be computed) as null: JSON has no NaN. */
    public static void write(ObjectNode json, Path file) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), finite(json));
    }

    static JsonNode finite(JsonNode n) {
        if (n.isObject()) {
            ObjectNode o = (ObjectNode) n;
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String k : names) {
                o.set(k, finite(o.get(k)));
            }
            return o;
        }
        if (n.isArray()) {
            ArrayNode a = (ArrayNode) n;
            for (int i = 0; i < a.size(); i++) {
                a.set(i, finite(a.get(i)));
            }
            return a;
        }
        if (n.isNumber() && (n.isDouble() || n.isFloat()) && !Double.isFinite(n.doubleValue())) {
            return F.nullNode();
        }
        return n;
    }

    private static void scores(ObjectNode e, ForecastScores s, float[] levels) {
        e.put("n", s.n());
        put(e, "mae", s.mae());
        put(e, "rmse", s.rmse());
        ObjectNode p = e.putObject("pinball");
        ObjectNode c = e.putObject("calibration");
        for (int j = 0; j < levels.length; j++) {
            put(p, Float.toString(levels[j]), s.pinball()[j]);
            put(c, Float.toString(levels[j]), s.calibration()[j]);
        }
        put(e, "pinball_mean", s.pinballMean());
        ObjectNode cov = e.putObject("coverage");
        cov.put("band", levels[0] + "-" + levels[levels.length - 1]);
        put(cov, "nominal", s.coverageNominal());
        put(cov, "observed", s.coverage());
        put(e, "directional_accuracy", s.directionalAccuracy());
        e.put("direction_n", s.directionN());
    }

    static void dm(ObjectNode o, DieboldMariano.Result d) {
        put(o, "statistic", d.statistic());
        put(o, "p_value", d.pValue());
        put(o, "mean_loss_difference", d.meanDifference());
        o.put("hac_lag_blocks", d.lag()).put("blocks", d.blocks()).put("n", d.n());
    }

    static void trading(ObjectNode o, TradingSimulation.Result t) {
        put(o, "cumulative_return", t.cumulativeReturn());
        put(o, "sharpe", t.sharpe());
        put(o, "sharpe_standard_error", t.sharpeStandardError());
        double[] ci = t.sharpeInterval95();
        put(o, "sharpe_ci95_low", ci[0]);
        put(o, "sharpe_ci95_high", ci[1]);
        put(o, "sortino", t.sortino());
        put(o, "max_drawdown", t.maxDrawdown());
        put(o, "hit_rate", t.hitRate());
        o.put("trades", t.trades()).put("winning_trades", t.winningTrades());
        put(o, "turnover", t.turnover());
        put(o, "turnover_per_day", t.turnoverPerDay());
        put(o, "exposure", t.exposure());
    }

    static void put(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }

    private static long count(boolean[] mask, int h, int hCount) {
        long c = 0;
        for (int i = h; i < mask.length; i += hCount) {
            if (mask[i]) {
                c++;
            }
        }
        return c;
    }

    private static ObjectNode definitions() {
        ObjectNode d = F.objectNode();
        d.put("outcome", "log return from the tick's price to the price k ticks later (tick horizons) or to the last price at or before "
                + "t + h (time horizons, known once a later tick is seen); pairs without a known outcome are not scored");
        d.put("scored", "the same (tick, horizon) pairs for every model: outcome known and every model made a forecast");
        d.put("mae", "mean |outcome - median forecast|, log-return units");
        d.put("rmse", "sqrt(mean (outcome - median forecast)^2)");
        d.put("pinball", "per level q: mean of q*(y-f) if y >= f else (1-q)*(f-y); pinball_mean averages the levels");
        d.put("coverage", "share of outcomes inside [lowest level, highest level] forecasts; nominal = difference of the levels");
        d.put("calibration", "per level q: share of outcomes at or below the q forecast (nominal q)");
        d.put("directional_accuracy", "among ticks where median forecast and outcome are both non-zero, the share with the same sign; "
                + "null for a forecast that is always zero");
        d.put("dm_vs_no_change", "Diebold-Mariano test of the loss differential (model - no-change), per tick: mean pinball over the "
                + "levels, and squared error of the median. HAC (Newey-West, Bartlett) variance with lag max(ceil(mean ticks ahead) - 1, "
                + "floor(4 (n/100)^(2/9))); two-sided p from N(0,1); negative statistic = model better");
        d.put("cumulative_return", "final equity / initial - 1, after costs");
        d.put("sharpe", "mean / sample sd of bar returns of the equity, times sqrt(bars per year); risk-free 0");
        d.put("sharpe_standard_error", "Mertens (2002): sqrt((1 - skew SR + (kurtosis - 1) / 4 SR^2) / n) for the per-bar SR, times "
                + "sqrt(bars per year); bar returns taken as independent. sharpe_ci95_low/high: sharpe -+ 1.96 of it");
        d.put("sortino", "mean / sqrt(mean(min(r,0)^2)) of bar returns, times sqrt(bars per year)");
        d.put("max_drawdown", "largest fall of the equity from its running peak, fraction of the peak (tick resolution)");
        d.put("hit_rate", "share of closed positions (entry to exit or reversal) with a profit after costs");
        d.put("turnover", "units of notional traded (entries, exits; a reversal counts 2); turnover_per_day over the evaluated span");
        d.put("exposure", "share of tick-to-tick steps with a position open");
        return d;
    }
}
