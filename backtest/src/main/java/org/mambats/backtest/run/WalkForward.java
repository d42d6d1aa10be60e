package org.mambats.backtest.run;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mambats.backtest.metrics.TradingRule;
import org.mambats.backtest.replay.MarketData;
import org.mambats.backtest.replay.StepperReplay;
import org.mambats.model.forecast.ForecastCsvWriter;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.train.TrainingSet;
import org.mambats.model.features.Horizon;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.train.DataDefaults;
import org.mambats.model.train.TrainingListener;
import org.mambats.model.train.TrainingRecipe;

/**
 * Walk-forward over a universe of one or more symbols. The folds are windows in time, the same for every symbol
 * ({@link FoldPlan#windows}). Fold k trains one global model on the training windows of every symbol that has ticks
 * there (each symbol a sequence of its own, its targets in its own running volatility), or, with
 * {@link BacktestConfig#perSymbolModels}, one model per symbol; saves it under {@code REPORT/folds/fold-k}, loads it
 * back as any server would, and replays each symbol's rows from the start of its training window: the training
 * window only warms the state up, the forecasts of the test window are recorded. The baselines are fitted per symbol
 * on the same training window and stream from its start too.
 *
 * <p>The work is cut into units that depend on nothing but their inputs: first the trainings (a fold, or a fold of a
 * symbol), then the evaluations (a fold of a symbol: replay and baselines), run on {@link BacktestConfig#workers}
 * threads. Each unit writes its own slots and its own checkpoint directory, and descriptions are put in fold order
 * afterwards, so the result does not depend on the number of workers.
 */
final class WalkForward {
    private final BacktestConfig cfg;
    private final Progress out;
    /** Sees the universe as soon as it is read; may refuse it. */
    private final java.util.function.Consumer<List<MarketData>> check;

    WalkForward(BacktestConfig cfg, Progress out, java.util.function.Consumer<List<MarketData>> check) {
        this.cfg = cfg;
        this.out = out;
        this.check = check;
    }

    /** One trained model: where it is, and its training figures for metrics.json. */
    private record Trained(Path dir, ObjectNode figures, double seconds) {
    }

    /** What one (symbol, fold) evaluation gave. */
    private record Evaluated(ObjectNode figures, List<SymbolRun.BaselineFold> baselines, long mismatches, double replaySeconds) {
    }

    List<BacktestResult> run() throws IOException {
        long t = System.nanoTime();
        // Options not given are chosen from the data once, for every fold and symbol alike (see DataDefaults).
        DataDefaults.Profile profile = DataDefaults.scan(cfg.data, cfg.symbols.size() == 1 ? cfg.symbols.get(0) : null);
        float[] quantiles = cfg.training.quantiles.clone();
        for (int j = 0; j < quantiles.length; j++) {
            if (!(quantiles[j] > 0 && quantiles[j] < 1) || (j > 0 && quantiles[j] <= quantiles[j - 1])) {
                throw new IllegalArgumentException("quantile levels must be ascending and inside (0, 1): " + Arrays.toString(quantiles));
            }
        }
        // About the training ticks of one fold: the training window of every symbol, less the validation part.
        long trainTicks = profile.medianSpacingSeconds() > 0
                ? (long) (Math.max(1, profile.symbols()) * cfg.trainWindow.toMillis() / 1000.0 / profile.medianSpacingSeconds()
                        * (1 - cfg.training.validationFraction))
                : profile.rows();
        DataDefaults.apply(cfg.training, profile, Math.min(trainTicks, profile.rows())).forEach(l -> out.say("backtest: %s", l));
        out.say("backtest: reading %s ...", cfg.data);
        List<MarketData> universe = MarketData.readUniverse(cfg.data, cfg.symbols.isEmpty() ? null : cfg.symbols,
                cfg.training.volHalfLife, cfg.training.graceMillis);
        check.accept(universe);
        MarketData first = universe.get(0);
        out.say("backtest: %d symbol(s) %s: %s", universe.size(), universe.size() <= 12 ? universe.stream().map(d -> d.symbol).toList()
                : universe.size() + " symbols", first.counts);
        first.counts.reasons.lines().forEach(l -> out.say("backtest:   %s", l));
        List<TickSeries> series = universe.stream().map(d -> d.series).toList();
        List<Horizon> horizons = Horizon.parseList(cfg.training.horizons);
        TradingRule.of(horizons, cfg.tradeHorizon, cfg.costsBps, cfg.latency.toMillis()); // refuse bad trading options now, not after training

        List<FoldPlan.Window> windows = FoldPlan.windows(series, cfg.trainWindow, cfg.testWindow, cfg.retrainEvery);
        if (cfg.retrainEvery.compareTo(cfg.testWindow) > 0) {
            out.say("backtest: note: retraining every %s with %s test windows leaves ticks between test windows unscored",
                    Durations.format(cfg.retrainEvery), Durations.format(cfg.testWindow));
        }
        boolean perSymbol = cfg.perSymbolModels && universe.size() > 1;
        out.say("backtest: %d folds: train %s, test %s, retrain every %s; %s", windows.size(), Durations.format(cfg.trainWindow),
                Durations.format(cfg.testWindow), Durations.format(cfg.retrainEvery),
                universe.size() == 1 ? "one symbol" : perSymbol ? "a model per symbol and fold" : "one global model per fold");

        // Each symbol's folds and scored ticks.
        List<List<FoldPlan.Fold>> folds = new ArrayList<>();
        List<SymbolRun> runs = new ArrayList<>();
        for (MarketData d : universe) {
            List<FoldPlan.Fold> its = new ArrayList<>();
            for (FoldPlan.Window w : windows) {
                FoldPlan.Fold f = w.on(d.series);
                if (f != null) {
                    its.add(f);
                }
            }
            int nEval = its.stream().mapToInt(FoldPlan.Fold::testTicks).sum();
            int[] evalIndex = new int[nEval], evalFold = new int[nEval];
            int k = 0;
            for (FoldPlan.Fold f : its) {
                for (int i = f.testStart(); i < f.testEnd(); i++) {
                    evalIndex[k] = i;
                    evalFold[k++] = f.number();
                }
            }
            folds.add(its);
            BacktestConfig mine = universe.size() == 1 ? cfg : cfg.forSymbol(d.symbol, Backtest.reportDirOf(cfg, d.symbol, universe.size()));
            runs.add(nEval == 0 ? null : new SymbolRun(mine, d, horizons, quantiles, evalIndex, evalFold));
            if (nEval == 0) {
                out.say("backtest: %s: no fold has ticks of it to train on and to test; left out", d.symbol);
            }
        }
        double readSeconds = (System.nanoTime() - t) / 1e9;

        // 1. Train: a model per fold (global) or per fold and symbol.
        Units units = new Units(cfg.workers, out);
        int trainThreads = Math.max(1, Runtime.getRuntime().availableProcessors() / units.workers());
        Map<String, Units.Result<Trained>> trained = new LinkedHashMap<>();
        for (FoldPlan.Window w : windows) {
            if (perSymbol) {
                for (int s = 0; s < universe.size(); s++) {
                    FoldPlan.Fold f = folds.get(s).stream().filter(x -> x.number() == w.number()).findFirst().orElse(null);
                    if (f != null && runs.get(s) != null) {
                        MarketData d = universe.get(s);
                        String tag = "fold " + w.number() + "/" + windows.size() + " " + d.symbol;
                        Path dir = foldDir(w).resolve(safe(d.symbol));
                        trained.put(key(w, d.symbol), units.submit("train " + tag, () -> train(List.of(d.series.slice(f.trainStart(), f.testStart())),
                                dir, tag, trainThreads)));
                    }
                }
            } else {
                List<TickSeries> slices = new ArrayList<>();
                for (int s = 0; s < universe.size(); s++) {
                    for (FoldPlan.Fold f : folds.get(s)) {
                        if (f.number() == w.number() && runs.get(s) != null) {
                            slices.add(universe.get(s).series.slice(f.trainStart(), f.testStart()));
                        }
                    }
                }
                String tag = "fold " + w.number() + "/" + windows.size();
                out.say("backtest: %s: train %s .. %s, test .. %s, %d symbol(s), %,d training ticks", tag, Backtest.iso(w.trainFromMillis()),
                        Backtest.iso(w.testFromMillis()), Backtest.iso(w.testToMillis()), slices.size(),
                        slices.stream().mapToLong(x -> x.length).sum());
                trained.put(key(w, null), units.submit("train " + tag, () -> train(slices, foldDir(w), tag, trainThreads)));
            }
        }
        // 2. Evaluate: each fold of each symbol, replay and baselines, queued as soon as its fold's model exists (so an
        // evaluation of fold 1 runs while fold 3 still trains, instead of a core waiting for the last training).
        Map<String, Units.Result<Evaluated>> evaluated = new LinkedHashMap<>();
        for (int s = 0; s < universe.size(); s++) {
            SymbolRun run = runs.get(s);
            if (run == null) {
                continue;
            }
            for (FoldPlan.Fold f : folds.get(s)) {
                Units.Result<Trained> model = trained.get(key(windowOf(windows, f), perSymbol ? run.data.symbol : null));
                String tag = "fold " + f.number() + "/" + windows.size() + (universe.size() == 1 ? "" : " " + run.data.symbol);
                evaluated.put(key(windowOf(windows, f), run.data.symbol), units.after(model, "evaluate " + tag, tr -> evaluate(run, f, tr, tag)));
            }
        }
        try {
            units.awaitAll();
        } finally {
            units.close(); // also when a unit failed: the others stop with it
        }
        double trainSeconds = trained.values().stream().mapToDouble(r -> r.get().seconds()).sum();

        // 3. Put each symbol's figures in fold order and make its result.
        List<BacktestResult> results = new ArrayList<>();
        for (int s = 0; s < universe.size(); s++) {
            SymbolRun run = runs.get(s);
            if (run == null) {
                continue;
            }
            ArrayNode foldsJson = JsonNodeFactory.instance.arrayNode();
            long mismatches = 0;
            double replaySeconds = 0, symbolTrainSeconds = 0;
            for (FoldPlan.Fold f : folds.get(s)) {
                FoldPlan.Window w = windowOf(windows, f);
                Trained tr = trained.get(key(w, perSymbol ? run.data.symbol : null)).get();
                Evaluated ev = evaluated.get(key(w, run.data.symbol)).get();
                TickSeries x = run.data.series;
                ObjectNode fold = JsonNodeFactory.instance.objectNode();
                fold.put("fold", f.number()).put("train_from", Backtest.iso(x.times[f.trainStart()]))
                        .put("train_to", Backtest.iso(x.times[f.testStart() - 1])).put("train_ticks", f.trainTicks())
                        .put("test_from", Backtest.iso(x.times[f.testStart()])).put("test_to", Backtest.iso(x.times[f.testEnd() - 1]))
                        .put("test_ticks", f.testTicks());
                ObjectNode training = tr.figures().deepCopy();
                training.setAll(ev.figures());
                run.mamba().folds.add(training);
                fold.setAll(training.deepCopy());
                foldsJson.add(fold);
                run.addBaselineFolds(ev.baselines());
                mismatches += ev.mismatches();
                replaySeconds += ev.replaySeconds();
                symbolTrainSeconds += tr.seconds();
            }
            run.mamba().fitSeconds = symbolTrainSeconds;
            run.mamba().forecastSeconds = replaySeconds;
            BacktestResult r = run.result(foldsJson);
            r.mambaForecastRows = writeForecasts(run, folds.get(s), run.config.reportDir);
            r.timings.put("read", readSeconds);
            r.timings.put("train_mamba", symbolTrainSeconds);
            r.timings.put("replay_mamba", replaySeconds);
            r.replayMismatches = mismatches;
            results.add(r);
        }
        out.say("backtest: %d training and %d evaluation units on %d worker(s); %.0f s of training", trained.size(), evaluated.size(),
                units.workers(), trainSeconds);
        return results;
    }

    private static String key(FoldPlan.Window w, String symbol) {
        return w.number() + (symbol == null ? "" : "\u0000" + symbol);
    }

    private static FoldPlan.Window windowOf(List<FoldPlan.Window> windows, FoldPlan.Fold f) {
        return windows.get(windows.stream().map(FoldPlan.Window::number).toList().indexOf(f.number()));
    }

    private Path foldDir(FoldPlan.Window w) {
        return cfg.reportDir.resolve("folds").resolve(String.format(Locale.ROOT, "fold-%02d", w.number()));
    }

    /** A symbol as a directory name: letters, digits, '.', '-' and '_' kept, anything else '_'. */
    static String safe(String symbol) {
        String s = symbol.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
    }

    /** Trains one model on {@code train} (one sequence per symbol) and saves it to {@code dir}. */
    private Trained train(List<TickSeries> train, Path dir, String tag, int threads) throws IOException {
        long t0 = System.nanoTime();
        TrainingRecipe recipe = cfg.training.withThreads(threads);
        TrainingSet set = recipe.trainingSet(train);
        ObjectNode provenance = JsonNodeFactory.instance.objectNode();
        provenance.put("created_by", "backtest walk-forward, " + tag);
        provenance.put("data", cfg.data);
        ArrayNode symbols = provenance.putArray("symbols");
        train.forEach(s -> symbols.add(s.symbol));
        TrainingRecipe.Fitted fitted = recipe.fitAndSave(set, dir, new TrainProgress(tag), provenance);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("validation_from", Backtest.iso(set.splitTimeMillis)).put("fit_ticks", set.trainTicks).put("validation_ticks", set.validationTicks);
        o.put("training_symbols", train.size());
        o.put("epochs_run", fitted.fit().epochsRun()).put("best_epoch", fitted.fit().bestEpoch() + 1);
        o.put("validation_pinball", num(fitted.validationPinball())).put("validation_pinball_no_skill", num(fitted.noSkillPinball()));
        o.put("kept_baseline", fitted.keptBaseline());
        if (fitted.guard() != null) {
            o.put("guard", fitted.guard());
        }
        out.say("  %s: %d epochs (best %d), validation pinball %.4f vs %.4f for the baseline, %.0f s; %s", tag, fitted.fit().epochsRun(),
                fitted.fit().bestEpoch() + 1, fitted.validationPinball(), fitted.noSkillPinball(), fitted.seconds(),
                fitted.keptBaseline() ? "kept the baseline (" + fitted.guard() + ")" : "trained model kept (" + fitted.guard() + ")");
        double seconds = (System.nanoTime() - t0) / 1e9;
        o.put("checkpoint", dir.toString()).put("training_seconds", seconds);
        return new Trained(dir, o, seconds);
    }

    /** Replays one fold of one symbol through its model (warm-up on the training window) and runs the baselines. */
    private Evaluated evaluate(SymbolRun run, FoldPlan.Fold f, Trained tr, String tag) throws IOException {
        ForecastModel model = ForecastModel.load(tr.dir());
        MarketData data = run.data;
        int from = data.positionOf(f.trainStart()), recordFrom = data.positionOf(f.testStart());
        int to = data.positionOf(f.testEnd() - 1) + 1;
        long[] miss = new long[1];
        StepperReplay.Stats st = StepperReplay.replay(model, data, from, to, recordFrom, (p, tick, q, raw) -> {
            if (!run.record(data.seriesIndex[p], q, raw)) {
                miss[0]++;
            }
        }, out.replayProgress("  " + tag + " replay"));
        for (int i = f.testStart(); i < f.testEnd(); i++) {
            if (Float.isNaN(run.mamba().values[run.evalOf[i] * run.perTick])) {
                miss[0]++;
            }
        }
        StringBuilder mix = new StringBuilder();
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ObjectNode mixJson = o.putObject("volatility_mix_at_end");
        for (int h = 0; h < st.mix().length; h++) {
            String label = model.horizons().get(h).label();
            mix.append(h == 0 ? "" : ", ").append(label).append(String.format(Locale.ROOT, " %.2f", st.mix()[h]));
            mixJson.put(label, st.mix()[h]);
        }
        out.say("  %s: replayed %,d rows (%,d warm-up ticks, %,d forecasts) in %.2f s, %,.0f ticks/s; volatility mix at the end %s%s",
                tag, st.rows(), st.accepted() - st.recorded(), st.recorded(), st.seconds(), st.ticksPerSecond(), mix,
                miss[0] == 0 ? "" : String.format(Locale.ROOT, "; %d ticks accepted differently from the full pass", miss[0]));
        o.put("model_version", model.version());
        o.put("replay_rows", st.rows()).put("warmup_ticks", st.accepted() - st.recorded()).put("forecasts", st.recorded())
                .put("replay_seconds", st.seconds()).put("replay_ticks_per_second", st.ticksPerSecond());
        List<SymbolRun.BaselineFold> baselines = run.runBaselines(f.trainStart(), f.testStart(), f.testEnd(), f.number(), out::line);
        for (SymbolRun.BaselineFold b : baselines) {
            out.say("  %s: baseline %s fitted in %.2f s, %,d forecasts in %.2f s", tag, b.name(), b.fitSeconds(), f.testTicks(), b.forecastSeconds());
        }
        return new Evaluated(o, baselines, miss[0], st.seconds());
    }

    /**
     * The symbol's recorded forecasts in predict's format, in row order within each fold's test window: what the
     * stream would have sent.
     */
    private static long writeForecasts(SymbolRun run, List<FoldPlan.Fold> folds, Path dir) throws IOException {
        java.nio.file.Files.createDirectories(dir);
        MarketData data = run.data;
        float[] q = new float[run.perTick];
        try (ForecastCsvWriter csv = new ForecastCsvWriter(dir.resolve("forecasts.csv"), run.horizons, run.quantiles)) {
            for (FoldPlan.Fold f : folds) {
                int recordFrom = data.positionOf(f.testStart()), to = data.positionOf(f.testEnd() - 1) + 1;
                for (int p = recordFrom; p < to; p++) {
                    int i = data.seriesIndex[p];
                    int k = i < 0 ? -1 : run.evalOf[i];
                    if (k >= 0 && !Float.isNaN(run.mamba().values[k * run.perTick])) {
                        System.arraycopy(run.mamba().values, k * run.perTick, q, 0, run.perTick);
                        csv.write(data.rowIndex[p], data.ticks[p], data.timeText[p], q);
                    }
                }
            }
            return csv.rows();
        }
    }

    private static Double num(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** Prints the training's progress: a line per epoch, and a step line at most every 5 seconds. */
    private final class TrainProgress implements TrainingListener {
        private final String tag;
        private long last = System.nanoTime();

        TrainProgress(String tag) {
            this.tag = tag;
        }

        @Override
        public void onStep(StepInfo s) {
            long now = System.nanoTime();
            if (now - last > 5_000_000_000L) {
                last = now;
                out.say("    %s epoch %d/%d step %d/%d loss %.4f, %,.0f ticks/s", tag, s.epoch() + 1, cfg.training.epochs, s.step() + 1,
                        s.stepsInEpoch(), s.loss(), s.ticksPerSecond());
            }
        }

        @Override
        public boolean onEpoch(EpochInfo e) {
            out.say("    %s epoch %d/%d: train %.4f validation %.4f%s (%.1f s, %,.0f ticks/s)", tag, e.epoch() + 1, cfg.training.epochs,
                    e.trainLoss(), e.validationLoss(), e.improved() ? "  best so far" : "", e.elapsedMillis() / 1000.0, e.ticksPerSecond());
            return true;
        }
    }
}
