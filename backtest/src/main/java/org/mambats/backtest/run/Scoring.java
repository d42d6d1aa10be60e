package org.mambats.backtest.run;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mambats.backtest.baseline.NoChangeBaseline;
import org.mambats.backtest.metrics.DieboldMariano;
import org.mambats.backtest.metrics.ForecastScores;
import org.mambats.backtest.metrics.Losses;
import org.mambats.backtest.metrics.TradingRule;
import org.mambats.backtest.metrics.TradingSimulation;

/**
 * Scores one symbol's forecasts: per model and horizon the forecast scores and Diebold-Mariano against no-change,
 * the verdict against the best classical baseline, and every model's trading by the same rule.
 */
final class Scoring {
    private Scoring() {
    }

    /** What {@link #score} finds; {@link BacktestResult} holds it, unmodifiable. */
    record Scores(Map<String, List<ForecastScores>> scores, Map<String, List<DieboldMariano.Result>> dmPinball,
                  Map<String, List<DieboldMariano.Result>> dmSquaredError, List<SkillVerdict> verdicts, TradingRule rule,
                  TradingSimulation.Market market, Map<String, TradingSimulation.Result> trading, Map<String, double[]> returnByLatency) {
        Scores {
            scores = Collections.unmodifiableMap(scores);
            dmPinball = Collections.unmodifiableMap(dmPinball);
            dmSquaredError = Collections.unmodifiableMap(dmSquaredError);
            verdicts = List.copyOf(verdicts);
            trading = Collections.unmodifiableMap(trading);
            returnByLatency = Collections.unmodifiableMap(returnByLatency);
        }
    }

    /** Every metric of the evaluated forecasts {@code r} holds (its inputs only are read). */
    static Scores score(BacktestResult r) {
        Map<String, List<ForecastScores>> scores = new LinkedHashMap<>();
        Map<String, List<DieboldMariano.Result>> dmPinball = new LinkedHashMap<>(), dmSquaredError = new LinkedHashMap<>();
        List<SkillVerdict> verdicts = new ArrayList<>();
        Map<String, TradingSimulation.Result> trading = new LinkedHashMap<>();
        Map<String, double[]> returnByLatency = new LinkedHashMap<>();
        int hCount = r.horizons.size(), nQ = r.quantiles.length;
        ModelForecasts ref = r.model(NoChangeBaseline.NAME);
        long[] evalTimes = new long[r.nEval()];
        for (int k = 0; k < evalTimes.length; k++) {
            evalTimes[k] = r.data.series.times[r.evalIndex[k]];
        }
        List<int[]> blocks = new ArrayList<>();
        for (int h = 0; h < hCount; h++) {
            blocks.add(Losses.horizonBlocks(r.mask, h, hCount, evalTimes, r.horizons.get(h)));
        }
        for (ModelForecasts m : r.models) {
            List<ForecastScores> list = new ArrayList<>();
            List<DieboldMariano.Result> dmP = new ArrayList<>(), dmS = new ArrayList<>();
            for (int h = 0; h < hCount; h++) {
                list.add(ForecastScores.compute(r.horizons.get(h).label(), m.values, r.targets, r.mask, h, hCount, r.quantiles, r.median));
                if (ref != null && ref != m) {
                    double[] d = Losses.difference(Losses.pinballSeries(m.values, r.targets, r.mask, h, hCount, r.quantiles),
                            Losses.pinballSeries(ref.values, r.targets, r.mask, h, hCount, r.quantiles));
                    int[] b = blocks.get(h);
                    dmP.add(DieboldMariano.testInBlocks(d, b, -1));
                    double[] e = Losses.difference(Losses.squaredErrorSeries(m.values, r.targets, r.mask, h, hCount, nQ, r.median),
                            Losses.squaredErrorSeries(ref.values, r.targets, r.mask, h, hCount, nQ, r.median));
                    dmS.add(DieboldMariano.testInBlocks(e, b, -1));
                }
            }
            scores.put(m.name, list);
            if (!dmP.isEmpty()) {
                dmPinball.put(m.name, dmP);
                dmSquaredError.put(m.name, dmS);
            }
        }

        // The verdict: Mamba against the best classical baseline of each horizon.
        ModelForecasts mamba = r.model(Backtest.MAMBA);
        for (int h = 0; mamba != null && h < hCount; h++) {
            ModelForecasts best = null;
            for (ModelForecasts m : r.models) {
                if (!m.name.equals(Backtest.MAMBA) && !m.name.equals(Backtest.MAMBA_UNCALIBRATED)
                        && (best == null || scores.get(m.name).get(h).pinballMean() < scores.get(best.name).get(h).pinballMean())) {
                    best = m;
                }
            }
            if (best == null) {
                break;
            }
            double[] d = Losses.difference(Losses.pinballSeries(mamba.values, r.targets, r.mask, h, hCount, r.quantiles),
                    Losses.pinballSeries(best.values, r.targets, r.mask, h, hCount, r.quantiles));
            double skill = 1 - scores.get(Backtest.MAMBA).get(h).pinballMean() / scores.get(best.name).get(h).pinballMean();
            verdicts.add(new SkillVerdict(r.horizons.get(h).label(), best.name, skill,
                    DieboldMariano.testInBlocks(d, blocks.get(h), -1)));
        }

        // Trading: every model by the same rule on the same ticks.
        TradingRule rule = TradingRule.of(r.horizons, r.config.tradeHorizon, r.config.costsBps, r.config.latency.toMillis());
        int n = r.nEval();
        if (n < 2) {
            return new Scores(scores, dmPinball, dmSquaredError, verdicts, rule, null, trading, returnByLatency);
        }
        long[] times = evalTimes;
        double[] prices = new double[n];
        boolean[] blockEnd = new boolean[n];
        for (int k = 0; k < n; k++) {
            prices[k] = r.data.series.prices[r.evalIndex[k]];
            blockEnd[k] = k == n - 1 || r.evalIndex[k + 1] != r.evalIndex[k] + 1;
        }
        TradingSimulation.Market market = new TradingSimulation.Market(times, prices, blockEnd);
        int h = rule.horizonIndex(), per = hCount * nQ;
        for (ModelForecasts m : r.models) {
            double[] med = new double[n];
            for (int k = 0; k < n; k++) {
                med[k] = m.values[k * per + h * nQ + r.median];
            }
            int[] pos = rule.positions(med, times, blockEnd);
            trading.put(m.name, TradingSimulation.run(market, pos, rule.costFraction(), r.config.bar));
            // How much of the result survives slower fills: the same rule at other latencies.
            double[] byLatency = new double[Backtest.LATENCIES_MS.length];
            for (int i = 0; i < Backtest.LATENCIES_MS.length; i++) {
                TradingRule other = rule.withLatency(Backtest.LATENCIES_MS[i]);
                byLatency[i] = TradingSimulation.run(market, other.positions(med, times, blockEnd), rule.costFraction(), r.config.bar)
                        .cumulativeReturn();
            }
            returnByLatency.put(m.name, byLatency);
        }
        int[] hold = new int[n];
        Arrays.fill(hold, 1);
        trading.put(Backtest.BUY_AND_HOLD, TradingSimulation.run(market, hold, rule.costFraction(), r.config.bar));
        return new Scores(scores, dmPinball, dmSquaredError, verdicts, rule, market, trading, returnByLatency);
    }
}
