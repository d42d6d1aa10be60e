package org.mambats.backtest.run;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mambats.backtest.baseline.NoChangeBaseline;
import org.mambats.backtest.metrics.ForecastScores;
import org.mambats.backtest.metrics.Losses;
import org.mambats.backtest.metrics.PooledScores;
import org.mambats.backtest.metrics.Portfolio;
import org.mambats.backtest.metrics.TradingSimulation;
import org.mambats.model.features.Horizon;

/**
 * A run over a universe: each symbol's own result (scored on its own, as a single-symbol run is), the forecast
 * quality pooled across symbols ({@link PooledScores}: losses in units of each symbol's no-change loss, DM over time
 * blocks shared by all symbols), Mamba against the best baseline on the pooled losses, and every model's trading
 * combined into a {@link Portfolio} of equal sleeves. For one symbol it holds that symbol's result and the pooled
 * figures are its own.
 */
public final class PanelResult {
    public final BacktestConfig config;
    /** In the file's order of first appearance. */
    public final List<BacktestResult> symbols;
    public final List<Horizon> horizons;
    /** Per model (Mamba first, then the baselines), per horizon. */
    public final Map<String, List<PooledScores>> pooled;
    /** Per horizon: Mamba against the baseline with the lowest pooled relative pinball, by the pooled DM. */
    public final List<SkillVerdict> verdicts;
    /** Per model, plus buy-and-hold: the equal-sleeve book (null without trading results). */
    public final Map<String, Portfolio.Result> portfolio;
    public String runId;
    public String startedAt;
    public double wallSeconds;

    private PanelResult(BacktestConfig config, List<BacktestResult> symbols, Map<String, List<PooledScores>> pooled,
                        List<SkillVerdict> verdicts, Map<String, Portfolio.Result> portfolio) {
        this.config = config;
        this.symbols = List.copyOf(symbols);
        this.horizons = symbols.get(0).horizons;
        this.pooled = pooled;
        this.verdicts = verdicts;
        this.portfolio = portfolio;
    }

    public List<String> symbolNames() {
        return symbols.stream().map(r -> r.data.symbol).toList();
    }

    /** Pools the symbols' results (each scored by {@link Scoring#score} when it was made). */
    static PanelResult of(BacktestConfig config, List<BacktestResult> symbols) {
        if (symbols.isEmpty()) {
            throw new IllegalArgumentException("no symbol of " + config.data + " had ticks to score");
        }
        BacktestResult first = symbols.get(0);
        List<Horizon> horizons = first.horizons;
        int hCount = horizons.size();
        long[] blockMillis = new long[hCount];
        for (int h = 0; h < hCount; h++) {
            Horizon hz = horizons.get(h);
            long span = 1;
            if (hz.inTicks()) {
                for (BacktestResult r : symbols) {
                    span = Math.max(span, hz.amount() * medianSpacingMillis(r));
                }
            } else {
                span = hz.millis();
            }
            blockMillis[h] = span;
        }
        Map<String, List<PooledScores>> pooled = new LinkedHashMap<>();
        boolean hasReference = first.model(NoChangeBaseline.NAME) != null;
        for (ModelForecasts m : first.models) {
            List<PooledScores> perHorizon = new ArrayList<>();
            for (int h = 0; h < hCount; h++) {
                perHorizon.add(pool(symbols, m.name, hasReference ? NoChangeBaseline.NAME : m.name, h, blockMillis[h]));
            }
            pooled.put(m.name, perHorizon);
        }

        List<SkillVerdict> verdicts = new ArrayList<>();
        for (int h = 0; hasReference && h < hCount; h++) {
            String best = null;
            for (ModelForecasts m : first.models) {
                if (!m.name.equals(Backtest.MAMBA) && !m.name.equals(Backtest.MAMBA_UNCALIBRATED)
                        && (best == null || pooled.get(m.name).get(h).relativePinball() < pooled.get(best).get(h).relativePinball())) {
                    best = m.name;
                }
            }
            if (best == null) {
                break;
            }
            PooledScores vs = pool(symbols, Backtest.MAMBA, best, h, blockMillis[h]);
            double skill = 1 - pooled.get(Backtest.MAMBA).get(h).relativePinball() / pooled.get(best).get(h).relativePinball();
            verdicts.add(new SkillVerdict(horizons.get(h).label(), best, skill, vs.dm()));
        }

        Map<String, Portfolio.Result> portfolio = new LinkedHashMap<>();
        if (first.rule != null) {
            for (String model : first.trading.keySet()) {
                List<Portfolio.Sleeve> sleeves = new ArrayList<>();
                for (BacktestResult r : symbols) {
                    TradingSimulation.Result t = r.trading.get(model);
                    if (t != null && r.market != null) {
                        sleeves.add(new Portfolio.Sleeve(r.data.symbol, r.market.times, t.equity(), t.trades(), t.turnover()));
                    }
                }
                if (!sleeves.isEmpty()) {
                    portfolio.put(model, Portfolio.combine(sleeves, config.bar));
                }
            }
        }
        return new PanelResult(config, symbols, pooled, verdicts, portfolio);
    }

    /** Model {@code model} against {@code reference} at horizon h over every symbol, in units of each symbol's no-change loss. */
    private static PooledScores pool(List<BacktestResult> symbols, String model, String reference, int h, long blockMillis) {
        List<PooledScores.Part> parts = new ArrayList<>();
        for (BacktestResult r : symbols) {
            int hCount = r.horizons.size();
            ModelForecasts m = r.model(model), ref = r.model(reference);
            double[] loss = Losses.pinballSeries(m.values, r.targets, r.mask, h, hCount, r.quantiles);
            double[] refLoss = Losses.pinballSeries(ref.values, r.targets, r.mask, h, hCount, r.quantiles);
            List<ForecastScores> noChange = r.scores.get(NoChangeBaseline.NAME);
            double scale = noChange != null ? noChange.get(h).pinballMean() : r.scores.get(model).get(h).pinballMean();
            long[] times = new long[loss.length];
            int k = 0;
            for (int i = 0; i < r.nEval(); i++) {
                if (r.mask[i * hCount + h]) {
                    times[k++] = r.data.series.times[r.evalIndex[i]];
                }
            }
            ForecastScores s = r.scores.get(model).get(h);
            parts.add(new PooledScores.Part(loss, refLoss, scale, times, Math.round(s.coverage() * s.n()), s.directionN(),
                    Math.round(s.directionalAccuracy() * s.directionN())));
        }
        return PooledScores.pool(r0(symbols).horizons.get(h).label(), parts, blockMillis, model.equals(reference));
    }

    private static BacktestResult r0(List<BacktestResult> symbols) {
        return symbols.get(0);
    }

    /** The median time between a symbol's consecutive scored ticks (at least 1 ms). */
    private static long medianSpacingMillis(BacktestResult r) {
        int n = r.nEval();
        if (n < 2) {
            return 1;
        }
        long[] gaps = new long[n - 1];
        for (int k = 1; k < n; k++) {
            gaps[k - 1] = r.data.series.times[r.evalIndex[k]] - r.data.series.times[r.evalIndex[k - 1]];
        }
        Arrays.sort(gaps);
        return Math.max(1, gaps[gaps.length / 2]);
    }
}
