package org.mambats.backtest.run;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mambats.backtest.metrics.DieboldMariano;
import org.mambats.backtest.metrics.ForecastScores;
import org.mambats.backtest.metrics.TradingRule;
import org.mambats.backtest.metrics.TradingSimulation;
import org.mambats.backtest.replay.MarketData;
import org.mambats.model.features.Horizon;

/** Everything a run produced: the evaluated ticks, every model's forecasts, the metrics; the report is made from it. */
public final class BacktestResult {
    public final BacktestConfig config;
    public final MarketData data;
    public final List<Horizon> horizons;
    public final float[] quantiles;
    public final int median;
    /** Series index of each evaluated tick, ascending, and the fold that forecast it (1-based). */
    public final int[] evalIndex;
    public final int[] evalFold;
    /** Outcomes {@code [tick, horizon]} (NaN: not known within the data). */
    public final float[] targets;
    /** Scored pairs {@code [tick, horizon]}: outcome known and every model made a forecast. */
    public final boolean[] mask;
    /** The Mamba model first, then the baselines. */
    public final List<ModelForecasts> models;
    public final ArrayNode folds;
    public final ObjectNode dataRange;
    /** Mean number of ticks each horizon spans over the evaluated ticks. */
    public final double[] ticksAhead;

    // The metrics, made by Scoring from the fields above when the result is made; unmodifiable.
    /** Per model, per horizon. */
    public final Map<String, List<ForecastScores>> scores;
    /** Per model (not the reference), per horizon: DM on the mean pinball loss and on the squared error of the median. */
    public final Map<String, List<DieboldMariano.Result>> dmPinball;
    public final Map<String, List<DieboldMariano.Result>> dmSquaredError;
    /** Per horizon: Mamba against the run's best classical baseline, in words (empty without baselines). */
    public final List<SkillVerdict> verdicts;
    public final TradingRule rule;
    /** The evaluated ticks' prices as the trading rule sees them; null with fewer than two evaluated ticks. */
    public final TradingSimulation.Market market;
    /** Per model, plus "buy-and-hold". */
    public final Map<String, TradingSimulation.Result> trading;
    /** Per model: the cumulative return of the same rule at each of {@link Backtest#LATENCIES_MS}. */
    public final Map<String, double[]> returnByLatency;
    public final Map<String, Double> timings = new LinkedHashMap<>();
    public long mambaForecastRows;
    /** Evaluated ticks the walk-forward replay accepted differently from the full pass (expected 0). */
    public long replayMismatches;
    public String runId;
    /** The universe's run this symbol's run is part of (null for a single-symbol run). */
    public String panelRunId;
    public String startedAt;
    public double wallSeconds;

    BacktestResult(BacktestConfig config, MarketData data, List<Horizon> horizons, float[] quantiles, int median, int[] evalIndex,
                   int[] evalFold, float[] targets, boolean[] mask, List<ModelForecasts> models, ArrayNode folds, ObjectNode dataRange,
                   double[] ticksAhead) {
        this.config = config;
        this.data = data;
        this.horizons = horizons;
        this.quantiles = quantiles;
        this.median = median;
        this.evalIndex = evalIndex;
        this.evalFold = evalFold;
        this.targets = targets;
        this.mask = mask;
        this.models = models;
        this.folds = folds;
        this.dataRange = dataRange;
        this.ticksAhead = ticksAhead;
        long t = System.nanoTime();
        Scoring.Scores s = Scoring.score(this);
        timings.put("metrics", (System.nanoTime() - t) / 1e9);
        this.scores = s.scores();
        this.dmPinball = s.dmPinball();
        this.dmSquaredError = s.dmSquaredError();
        this.verdicts = s.verdicts();
        this.rule = s.rule();
        this.market = s.market();
        this.trading = s.trading();
        this.returnByLatency = s.returnByLatency();
    }

    public int nEval() {
        return evalIndex.length;
    }

    public ModelForecasts model(String name) {
        return models.stream().filter(m -> m.name.equals(name)).findFirst().orElse(null);
    }
}
