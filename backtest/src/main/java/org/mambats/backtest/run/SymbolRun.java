package org.mambats.backtest.run;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.mambats.backtest.baseline.Baseline;
import org.mambats.backtest.baseline.Baselines;
import org.mambats.backtest.baseline.FitWindow;
import org.mambats.backtest.replay.MarketData;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.features.Horizon;
import org.mambats.model.features.HorizonTargets;

/**
 * One symbol of a run while its forecasts are being made: which of its ticks are scored (and by which fold), every
 * model's forecast slots, and what each fold fitted. Units of work (a fold of a symbol) write disjoint slots, so they
 * may run on several threads; their descriptions are collected per fold and put in order by {@link #result}.
 */
final class SymbolRun {
    final BacktestConfig config;
    final MarketData data;
    final List<Horizon> horizons;
    final float[] quantiles;
    /** Series index of each scored tick, ascending, and the fold that forecast it. */
    final int[] evalIndex;
    final int[] evalFold;
    /** For each series index, its position among the scored ticks, or -1. */
    final int[] evalOf;
    /** Mamba, Mamba before calibration, then the baselines asked for. */
    final List<ModelForecasts> models;
    final int perTick;

    SymbolRun(BacktestConfig config, MarketData data, List<Horizon> horizons, float[] quantiles, int[] evalIndex, int[] evalFold) {
        this.config = config;
        this.data = data;
        this.horizons = horizons;
        this.quantiles = quantiles;
        this.evalIndex = evalIndex;
        this.evalFold = evalFold;
        this.perTick = horizons.size() * quantiles.length;
        evalOf = new int[data.series.length];
        Arrays.fill(evalOf, -1);
        for (int k = 0; k < evalIndex.length; k++) {
            evalOf[evalIndex[k]] = k;
        }
        models = new ArrayList<>();
        models.add(new ModelForecasts(Backtest.MAMBA, evalIndex.length, perTick));
        models.add(new ModelForecasts(Backtest.MAMBA_UNCALIBRATED, evalIndex.length, perTick));
        for (String b : Baselines.NAMES) {
            if (config.baselines.contains(b)) {
                models.add(new ModelForecasts(b, evalIndex.length, perTick));
            }
        }
    }

    ModelForecasts mamba() {
        return models.get(0);
    }

    ModelForecasts uncalibrated() {
        return models.get(1);
    }

    /** Stores the Mamba forecasts made at series tick {@code i}; false when the tick is not a scored one. */
    boolean record(int seriesIndex, float[] calibrated, float[] raw) {
        int k = seriesIndex < 0 ? -1 : evalOf[seriesIndex];
        if (k < 0) {
            return false;
        }
        System.arraycopy(calibrated, 0, mamba().values, k * perTick, perTick);
        System.arraycopy(raw, 0, uncalibrated().values, k * perTick, perTick);
        return true;
    }

    /** What fitting and running one baseline on one fold gave: its description for metrics.json and its timings. */
    record BaselineFold(String name, ObjectNode description, double fitSeconds, double forecastSeconds) {
    }

    /**
     * Fits every baseline on ticks {@code [fitStart, testStart)} and forecasts {@code [testStart, testEnd)},
     * streaming from {@code fitStart} as the model's replay does.
     */
    List<BaselineFold> runBaselines(int fitStart, int testStart, int testEnd, int fold, Consumer<String> say) {
        TickSeries s = data.series;
        TickSeries fitTicks = s.slice(fitStart, testStart);
        TickSeries stream = s.slice(fitStart, testEnd);
        FitWindow window = new FitWindow(fitTicks, horizons, quantiles, config.training.validationFraction, config.training.seed);
        List<BaselineFold> out = new ArrayList<>();
        for (ModelForecasts m : models.subList(2, models.size())) {
            Baseline b = Baselines.create(m.name, config.lstmHidden, config.lstmEpochs, config.lstmWindow, config.lstmBlock, say);
            long t0 = System.nanoTime();
            Baseline.Fitted fitted = b.fit(window);
            double fitSec = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            float[] f = new float[(testEnd - testStart) * perTick];
            fitted.forecast(stream, testStart - fitStart, f);
            double fcSec = (System.nanoTime() - t1) / 1e9;
            for (int i = testStart; i < testEnd; i++) {
                System.arraycopy(f, (i - testStart) * perTick, m.values, evalOf[i] * perTick, perTick);
            }
            ObjectNode d = fitted.describe();
            d.put("fold", fold).put("fit_seconds", fitSec).put("forecast_seconds", fcSec);
            out.add(new BaselineFold(m.name, d, fitSec, fcSec));
        }
        return out;
    }

    /** Adds one fold's baseline descriptions and timings to their models (call in fold order, on one thread). */
    void addBaselineFolds(List<BaselineFold> folds) {
        for (BaselineFold b : folds) {
            ModelForecasts m = models.stream().filter(x -> x.name.equals(b.name())).findFirst().orElseThrow();
            m.fitSeconds += b.fitSeconds();
            m.forecastSeconds += b.forecastSeconds();
            m.folds.add(b.description());
        }
    }

    /** The outcomes at the scored ticks, and which (tick, horizon) pairs every model forecast; the result to score. */
    BacktestResult result(ArrayNode folds) {
        TickSeries s = data.series;
        int hCount = horizons.size(), nQ = quantiles.length;
        float[] all = HorizonTargets.compute(s.times, s.prices, horizons);
        float[] y = new float[evalIndex.length * hCount];
        boolean[] mask = new boolean[y.length];
        for (int k = 0; k < evalIndex.length; k++) {
            for (int h = 0; h < hCount; h++) {
                float v = all[evalIndex[k] * hCount + h];
                y[k * hCount + h] = v;
                boolean ok = Float.isFinite(v);
                for (ModelForecasts m : models) {
                    for (int j = 0; j < nQ && ok; j++) {
                        ok = Float.isFinite(m.values[k * perTick + h * nQ + j]);
                    }
                }
                mask[k * hCount + h] = ok;
            }
        }
        ObjectNode range = JsonNodeFactory.instance.objectNode();
        range.put("source", data.location).put("symbol", data.symbol);
        range.put("rows", data.counts.rows).put("accepted", data.counts.accepted).put("duplicates", data.counts.duplicates)
                .put("rejected", data.counts.rejected).put("unparseable", data.counts.unparseable);
        range.put("symbol_ticks", s.length);
        range.put("data_from", Backtest.iso(s.times[0])).put("data_to", Backtest.iso(s.times[s.length - 1]));
        range.put("evaluated_from", Backtest.iso(s.times[evalIndex[0]]))
                .put("evaluated_to", Backtest.iso(s.times[evalIndex[evalIndex.length - 1]]));
        range.put("evaluated_ticks", evalIndex.length);
        double[] ahead = FitWindow.ticksAhead(s, horizons, evalIndex);
        BacktestResult r = new BacktestResult(config, data, horizons, quantiles, Backtest.medianIndex(quantiles), evalIndex, evalFold, y,
                mask, models, folds, range, ahead);
        for (ModelForecasts m : models) {
            r.timings.put("fit_" + m.name, m.fitSeconds);
            r.timings.put("forecast_" + m.name, m.forecastSeconds);
        }
        return r;
    }
}
