package org.mambats.backtest.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Consumer;
import org.mambats.backtest.baseline.Baseline;
import org.mambats.backtest.baseline.Baselines;
import org.mambats.backtest.baseline.FitWindow;
import org.mambats.backtest.baseline.NoChangeBaseline;
import org.mambats.backtest.metrics.DieboldMariano;
import org.mambats.backtest.metrics.ForecastScores;
import org.mambats.backtest.metrics.Losses;
import org.mambats.backtest.metrics.TradingRule;
import org.mambats.backtest.metrics.TradingSimulation;
import org.mambats.backtest.replay.MarketData;
import org.mambats.backtest.replay.StepperReplay;
import org.mambats.backtest.report.ForecastCsvWriter;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.dataset.TrainingSet;
import org.mambats.model.features.Horizon;
import org.mambats.model.features.HorizonTargets;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.train.TrainingListener;
import org.mambats.model.train.DataDefaults;
import org.mambats.model.train.TrainingRecipe;

/**
 * One backtest run: reads the history, makes the Mamba forecasts by replaying it through the live operator's
 * {@link org.mambats.model.forecast.ForecastStepper} (one checkpoint, or a model trained per walk-forward fold),
 * runs the baselines on the same ticks, and scores everything against the outcomes.
 *
 * <p><b>Walk-forward.</b> Fold k trains on its training window (the last {@code validationFraction} of that window,
 * by time, held out for early stopping; normalisation and target scales fitted before it), saves the checkpoint
 * under {@code REPORT/folds/fold-k}, loads it back as any server would, and replays the rows from the start of its
 * training window: the training window only warms the state up (no forecast recorded), as a stream that switched to
 * this model would replay recent history; the forecasts of the test window are recorded. Baselines are fitted on
 * the same training window and stream from its start too.
 *
 * <p><b>Checkpoint.</b> The model is replayed over every row of the file from a fresh state, as
 * {@code ./mamba-ts predict} does, and every forecast goes to forecasts.csv. Metrics are computed on the ticks after
 * the checkpoint's own training data when its provenance names that range and it overlaps the file (so a model is
 * not scored on what it was fitted to), on the ticks from {@code --eval-from} when given, else on the ticks after
 * the first 20% of the file's time range; the baselines are fitted on the ticks before the scored ones (from the
 * start of the checkpoint's training range when known).
 */
public final class Backtest {
    public static final String MAMBA = "mamba";
    /** The same forecasts before the online calibration's offsets: how much the calibration changes. */
    public static final String MAMBA_UNCALIBRATED = "mamba-uncalibrated";
    public static final String BUY_AND_HOLD = "buy-and-hold";
    /** Without an overlap with the checkpoint's training data, the first part of the time range fits the baselines. */
    static final double CHECKPOINT_FIT_FRACTION = 0.2;
    static final int MIN_FIT_TICKS = 200;

    private final BacktestConfig cfg;
    private final Consumer<String> out;
    private long mambaRowsWritten;

    private Backtest(BacktestConfig cfg, Consumer<String> out) {
        this.cfg = cfg;
        this.out = out == null ? s -> { } : out;
    }

    public static BacktestResult run(BacktestConfig cfg, Consumer<String> progress) throws IOException {
        return new Backtest(cfg, progress).run();
    }

    private void say(String format, Object... args) {
        out.accept(String.format(Locale.ROOT, format, args));
    }

    private BacktestResult run() throws IOException {
        long start = System.nanoTime();
        String startedAt = Instant.now().toString();
        if (cfg.reportDir == null) {
            throw new IllegalArgumentException("--report is required");
        }
        Files.createDirectories(cfg.reportDir);
        for (String b : cfg.baselines) {
            if (!Baselines.NAMES.contains(b)) {
                throw new IllegalArgumentException("unknown baseline '" + b + "'; known: " + Baselines.NAMES);
            }
        }
        BacktestResult r = cfg.walkForward() ? walkForward() : checkpoint();
        r.startedAt = startedAt;
        r.runId = UUID.nameUUIDFromBytes((startedAt + cfg.toJson()).getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
        long t = System.nanoTime();
        score(r);
        r.timings.put("metrics", (System.nanoTime() - t) / 1e9);
        r.wallSeconds = (System.nanoTime() - start) / 1e9;
        return r;
    }

    // ------------------------------------------------------------------------------------------- checkpoint mode

    private BacktestResult checkpoint() throws IOException {
        long t = System.nanoTime();
        ForecastModel model = ForecastModel.load(cfg.checkpoint);
        ForecastModel.Settings st = ForecastModel.Settings.fromJson(model.config().get(ForecastModel.CONFIG_KEY));
        say("backtest: checkpoint %s (%s %s), horizons %s, quantiles %s", cfg.checkpoint, model.name(), model.version(),
                model.horizons().stream().map(Horizon::label).toList(), Arrays.toString(model.quantiles()));
        say("backtest: reading %s ...", cfg.data);
        MarketData data = MarketData.read(cfg.data, cfg.symbol, st.volHalfLifeTicks, model.outOfOrderGraceMillis());
        TickSeries s = data.series;
        say("backtest: %s: %s; %s to %s", data.symbol, data.counts, Instant.ofEpochMilli(s.times[0]), Instant.ofEpochMilli(s.times[s.length - 1]));
        data.counts.reasons.lines().forEach(l -> say("backtest:   %s", l));
        List<Horizon> horizons = model.horizons();
        float[] quantiles = model.quantiles();
        int median = medianIndex(quantiles);
        TradingRule.of(horizons, cfg.tradeHorizon, cfg.costsBps, cfg.latency.toMillis()); // refuse bad trading options now, not after the run
        double readSeconds = (System.nanoTime() - t) / 1e9;

        // Which ticks are scored, and which fit the baselines.
        int n = s.length, fitStart = 0, evalStart;
        String evalRule;
        JsonNode prov = st.provenance;
        Long dataFrom = instant(prov.path("data_from")), dataTo = instant(prov.path("data_to"));
        if (cfg.evalFromMillis != null) {
            if (cfg.evalFromMillis <= s.times[0] || cfg.evalFromMillis > s.times[n - 1]) {
                throw new IllegalArgumentException("--eval-from " + Instant.ofEpochMilli(cfg.evalFromMillis) + " is not inside the data, "
                        + Instant.ofEpochMilli(s.times[0]) + " to " + Instant.ofEpochMilli(s.times[n - 1])
                        + " (the ticks before it fit the baselines, so it must come after the first)");
            }
            evalStart = s.indexAtOrAfter(cfg.evalFromMillis);
            evalRule = "from --eval-from " + Instant.ofEpochMilli(cfg.evalFromMillis) + "; the ticks before it fit the baselines";
            if (dataTo != null && dataTo >= s.times[evalStart < n ? evalStart : n - 1]) {
                evalRule += " (WARNING: the checkpoint's training data runs to " + Instant.ofEpochMilli(dataTo)
                        + ", so part of the scored ticks are in-sample for it)";
            }
        } else if (dataTo != null && dataTo >= s.times[0]) {
            evalStart = s.indexAtOrAfter(dataTo + 1);
            fitStart = dataFrom == null ? 0 : Math.min(s.indexAtOrAfter(dataFrom), evalStart);
            evalRule = "after the checkpoint's training data (its provenance: " + Instant.ofEpochMilli(dataFrom == null ? s.times[0] : dataFrom)
                    + " to " + Instant.ofEpochMilli(dataTo) + "), which also fits the baselines";
            if (evalStart >= n - 1) {
                throw new IllegalArgumentException("the checkpoint was trained on data up to " + Instant.ofEpochMilli(dataTo)
                        + ", which covers all of " + cfg.data + ": there is nothing out of sample to score. Pass --eval-from TIME to "
                        + "score anyway (in sample), or use walk-forward windows");
            }
        } else {
            evalStart = s.indexAtOrAfter(s.times[0] + (long) (CHECKPOINT_FIT_FRACTION * (s.times[n - 1] - s.times[0])));
            evalRule = "the checkpoint's provenance names no training range overlapping this file: the first "
                    + (int) (100 * CHECKPOINT_FIT_FRACTION) + "% of the time range fits the baselines, every model is scored after it";
        }
        if (evalStart >= n - 1) {
            throw new IllegalArgumentException("no ticks to score after " + Instant.ofEpochMilli(s.times[Math.min(evalStart, n - 1)]));
        }
        if (evalStart - fitStart < MIN_FIT_TICKS) {
            throw new IllegalArgumentException("only " + (evalStart - fitStart) + " ticks before the scored range to fit the baselines on (need "
                    + MIN_FIT_TICKS + "); pass a later --eval-from");
        }
        say("backtest: scoring %,d ticks from %s: %s", n - evalStart, Instant.ofEpochMilli(s.times[evalStart]), evalRule);

        int[] evalIndex = new int[n - evalStart];
        int[] evalFold = new int[evalIndex.length];
        for (int k = 0; k < evalIndex.length; k++) {
            evalIndex[k] = evalStart + k;
            evalFold[k] = 1;
        }
        List<ModelForecasts> models = newModels(evalIndex.length, horizons.size() * quantiles.length);
        ModelForecasts mamba = models.get(0), uncalibrated = models.get(1);
        int[] evalOf = evalOfSeries(n, evalIndex);

        // The model over every row, as predict runs it.
        t = System.nanoTime();
        int per = horizons.size() * quantiles.length;
        StepperReplay.Stats stats;
        try (ForecastCsvWriter csv = new ForecastCsvWriter(cfg.reportDir.resolve("forecasts.csv"), model)) {
            stats = StepperReplay.replay(model, data, 0, data.rows(), 0, (p, tick, q, raw) -> {
                csv.write(data.rowIndex[p], tick, data.timeText[p], q);
                int i = data.seriesIndex[p];
                if (i >= 0 && evalOf[i] >= 0) {
                    System.arraycopy(q, 0, mamba.values, evalOf[i] * per, per);
                    System.arraycopy(raw, 0, uncalibrated.values, evalOf[i] * per, per);
                }
            }, replayProgress("replay"));
            mambaRowsWritten = csv.rows();
        }
        mamba.forecastSeconds = stats.seconds();
        say("backtest: replayed %,d rows through the ForecastStepper in %.2f s (%,.0f ticks/s): %,d accepted, %,d duplicates, %,d rejected",
                stats.rows(), stats.seconds(), stats.ticksPerSecond(), stats.accepted(), stats.duplicates(), stats.rejected());
        ObjectNode fold = JsonNodeFactory.instance.objectNode();
        fold.put("fold", 1).put("checkpoint", cfg.checkpoint.toString()).put("model", model.name()).put("model_version", model.version());
        fold.put("baseline_fit_from", iso(s.times[fitStart])).put("baseline_fit_to", iso(s.times[evalStart - 1]))
                .put("baseline_fit_ticks", evalStart - fitStart);
        fold.put("test_from", iso(s.times[evalStart])).put("test_to", iso(s.times[n - 1])).put("test_ticks", n - evalStart);
        fold.put("replay_rows", stats.rows()).put("replay_seconds", stats.seconds()).put("replay_ticks_per_second", stats.ticksPerSecond());
        fold.put("evaluation_rule", evalRule);
        if (prov.size() > 0) {
            fold.set("checkpoint_provenance", prov);
        }
        mamba.folds.add(fold);
        ArrayNode folds = JsonNodeFactory.instance.arrayNode();
        folds.add(fold.deepCopy());

        runBaselines(models, s, horizons, quantiles, fitStart, evalStart, n, evalOf, 1);

        BacktestResult r = result(data, horizons, quantiles, median, evalIndex, evalFold, models, folds);
        r.dataRange.put("evaluation_rule", evalRule);
        r.timings.put("read", readSeconds);
        r.timings.put("replay_mamba", stats.seconds());
        r.mambaForecastRows = mambaRowsWritten;
        return r;
    }

    // ------------------------------------------------------------------------------------------ walk-forward mode

    private BacktestResult walkForward() throws IOException {
        long t = System.nanoTime();
        // Options not given are chosen from the data once, for every fold alike (see DataDefaults).
        DataDefaults.Profile profile = DataDefaults.scan(cfg.data, cfg.symbol);
        long trainTicks = profile.medianSpacingSeconds() > 0
                ? (long) (cfg.trainWindow.toMillis() / 1000.0 / profile.medianSpacingSeconds() * (1 - cfg.training.validationFraction))
                : profile.rows();
        DataDefaults.apply(cfg.training, profile, Math.min(trainTicks, profile.rows())).forEach(l -> say("backtest: %s", l));
        List<Horizon> horizons = Horizon.parseList(cfg.training.horizons);
        float[] quantiles = cfg.training.quantiles.clone();
        for (int j = 0; j < quantiles.length; j++) {
            if (!(quantiles[j] > 0 && quantiles[j] < 1) || (j > 0 && quantiles[j] <= quantiles[j - 1])) {
                throw new IllegalArgumentException("--quantiles must be ascending and inside (0, 1): " + Arrays.toString(quantiles));
            }
        }
        int median = medianIndex(quantiles);
        TradingRule.of(horizons, cfg.tradeHorizon, cfg.costsBps, cfg.latency.toMillis()); // refuse bad trading options now, not after training
        say("backtest: reading %s ...", cfg.data);
        MarketData data = MarketData.read(cfg.data, cfg.symbol, cfg.training.volHalfLife, cfg.training.graceMillis);
        TickSeries s = data.series;
        say("backtest: %s: %s; %s to %s", data.symbol, data.counts, Instant.ofEpochMilli(s.times[0]), Instant.ofEpochMilli(s.times[s.length - 1]));
        data.counts.reasons.lines().forEach(l -> say("backtest:   %s", l));
        List<FoldPlan.Fold> plan = FoldPlan.plan(s, cfg.trainWindow, cfg.testWindow, cfg.retrainEvery);
        if (cfg.retrainEvery.compareTo(cfg.testWindow) > 0) {
            say("backtest: note: retraining every %s with %s test windows leaves ticks between test windows unscored",
                    Durations.format(cfg.retrainEvery), Durations.format(cfg.testWindow));
        }
        say("backtest: %d folds: train %s, test %s, retrain every %s", plan.size(), Durations.format(cfg.trainWindow),
                Durations.format(cfg.testWindow), Durations.format(cfg.retrainEvery));
        double readSeconds = (System.nanoTime() - t) / 1e9;

        int nEval = plan.stream().mapToInt(FoldPlan.Fold::testTicks).sum();
        int[] evalIndex = new int[nEval];
        int[] evalFold = new int[nEval];
        int k = 0;
        for (FoldPlan.Fold f : plan) {
            for (int i = f.testStart(); i < f.testEnd(); i++) {
                evalIndex[k] = i;
                evalFold[k++] = f.number();
            }
        }
        int[] evalOf = evalOfSeries(s.length, evalIndex);
        int per = horizons.size() * quantiles.length;
        List<ModelForecasts> models = newModels(nEval, per);
        ModelForecasts mamba = models.get(0), uncalibrated = models.get(1);
        ArrayNode folds = JsonNodeFactory.instance.arrayNode();
        double trainSeconds = 0, replaySeconds = 0;
        long mismatches = 0;
        ForecastCsvWriter csv = null;
        try {
            for (FoldPlan.Fold f : plan) {
                String tag = "fold " + f.number() + "/" + plan.size();
                say("backtest: %s: train %s .. %s (%,d ticks), test .. %s (%,d ticks)", tag, iso(f.trainFromMillis()),
                        iso(f.testFromMillis()), f.trainTicks(), iso(f.testToMillis()), f.testTicks());
                ObjectNode fold = JsonNodeFactory.instance.objectNode();
                fold.put("fold", f.number()).put("train_from", iso(s.times[f.trainStart()])).put("train_to", iso(s.times[f.testStart() - 1]))
                        .put("train_ticks", f.trainTicks()).put("test_from", iso(s.times[f.testStart()]))
                        .put("test_to", iso(s.times[f.testEnd() - 1])).put("test_ticks", f.testTicks());

                long t0 = System.nanoTime();
                Path dir = cfg.reportDir.resolve("folds").resolve(String.format(Locale.ROOT, "fold-%02d", f.number()));
                ObjectNode training = trainFold(s.slice(f.trainStart(), f.testStart()), dir, tag, data.symbol);
                double trainSec = (System.nanoTime() - t0) / 1e9;
                trainSeconds += trainSec;
                ForecastModel model = ForecastModel.load(dir);
                if (csv == null) {
                    csv = new ForecastCsvWriter(cfg.reportDir.resolve("forecasts.csv"), model);
                }

                // Warm up on the training window, record the test window.
                int from = data.positionOf(f.trainStart()), recordFrom = data.positionOf(f.testStart());
                int to = data.positionOf(f.testEnd() - 1) + 1;
                long[] miss = new long[1];
                ForecastCsvWriter w = csv;
                StepperReplay.Stats st = StepperReplay.replay(model, data, from, to, recordFrom, (p, tick, q, raw) -> {
                    w.write(data.rowIndex[p], tick, data.timeText[p], q);
                    int i = data.seriesIndex[p];
                    if (i >= 0 && evalOf[i] >= 0) {
                        System.arraycopy(q, 0, mamba.values, evalOf[i] * per, per);
                        System.arraycopy(raw, 0, uncalibrated.values, evalOf[i] * per, per);
                    } else {
                        miss[0]++;
                    }
                }, replayProgress("  " + tag + " replay"));
                for (int i = f.testStart(); i < f.testEnd(); i++) {
                    if (Float.isNaN(mamba.values[evalOf[i] * per])) {
                        miss[0]++;
                    }
                }
                mismatches += miss[0];
                replaySeconds += st.seconds();
                say("  %s: replayed %,d rows (%,d warm-up ticks, %,d forecasts) in %.2f s, %,.0f ticks/s%s", tag, st.rows(),
                        st.accepted() - st.recorded(), st.recorded(), st.seconds(), st.ticksPerSecond(),
                        miss[0] == 0 ? "" : String.format(Locale.ROOT, "; %d ticks accepted differently from the full pass", miss[0]));
                training.put("checkpoint", dir.toString()).put("model_version", model.version()).put("training_seconds", trainSec);
                training.put("replay_rows", st.rows()).put("warmup_ticks", st.accepted() - st.recorded()).put("forecasts", st.recorded())
                        .put("replay_seconds", st.seconds()).put("replay_ticks_per_second", st.ticksPerSecond());
                mamba.folds.add(training);
                fold.setAll(training.deepCopy());
                folds.add(fold);

                runBaselines(models, s, horizons, quantiles, f.trainStart(), f.testStart(), f.testEnd(), evalOf, f.number());
            }
            mambaRowsWritten = csv == null ? 0 : csv.rows();
        } finally {
            if (csv != null) {
                csv.close();
            }
        }
        mamba.fitSeconds = trainSeconds;
        mamba.forecastSeconds = replaySeconds;
        BacktestResult r = result(data, horizons, quantiles, median, evalIndex, evalFold, models, folds);
        r.timings.put("read", readSeconds);
        r.timings.put("train_mamba", trainSeconds);
        r.timings.put("replay_mamba", replaySeconds);
        r.replayMismatches = mismatches;
        r.mambaForecastRows = mambaRowsWritten;
        return r;
    }

    /** Trains one fold's model on {@code train} and saves it to {@code dir}; returns the fold's training figures. */
    private ObjectNode trainFold(TickSeries train, Path dir, String tag, String symbol) throws IOException {
        TrainingRecipe recipe = cfg.training;
        TrainingSet set = recipe.trainingSet(List.of(train));
        ObjectNode provenance = JsonNodeFactory.instance.objectNode();
        provenance.put("created_by", "backtest walk-forward, " + tag);
        provenance.put("data", cfg.data);
        provenance.putArray("symbols").add(symbol);
        TrainingRecipe.Fitted fitted = recipe.fitAndSave(set, dir, new TrainProgress(tag), provenance);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("validation_from", iso(set.splitTimeMillis)).put("fit_ticks", set.trainTicks).put("validation_ticks", set.validationTicks);
        o.put("epochs_run", fitted.fit().epochsRun()).put("best_epoch", fitted.fit().bestEpoch() + 1);
        o.put("validation_pinball", num(fitted.validationPinball())).put("validation_pinball_no_skill", num(fitted.noSkillPinball()));
        o.put("kept_baseline", fitted.keptBaseline());
        if (fitted.guard() != null) {
            o.put("guard", fitted.guard());
        }
        say("  %s: %d epochs (best %d), validation pinball %.4f vs %.4f for the baseline, %.0f s; %s", tag, fitted.fit().epochsRun(),
                fitted.fit().bestEpoch() + 1, fitted.validationPinball(), fitted.noSkillPinball(), fitted.seconds(),
                fitted.keptBaseline() ? "kept the baseline (" + fitted.guard() + ")" : "trained model kept (" + fitted.guard() + ")");
        return o;
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
                say("    %s epoch %d/%d step %d/%d loss %.4f, %,.0f ticks/s", tag, s.epoch() + 1, cfg.training.epochs, s.step() + 1,
                        s.stepsInEpoch(), s.loss(), s.ticksPerSecond());
            }
        }

        @Override
        public boolean onEpoch(EpochInfo e) {
            say("    %s epoch %d/%d: train %.4f validation %.4f%s (%.1f s, %,.0f ticks/s)", tag, e.epoch() + 1, cfg.training.epochs, e.trainLoss(),
                    e.validationLoss(), e.improved() ? "  best so far" : "", e.elapsedMillis() / 1000.0, e.ticksPerSecond());
            return true;
        }
    }

    private StepperReplay.Progress replayProgress(String tag) {
        return (done, total, seconds, finished) -> {
            if (!finished) {
                say("%s: %,d/%,d rows, %,.0f ticks/s", tag, done, total, done / Math.max(seconds, 1e-9));
            }
        };
    }

    // ------------------------------------------------------------------------------------------------ baselines

    private void runBaselines(List<ModelForecasts> models, TickSeries s, List<Horizon> horizons, float[] quantiles, int fitStart,
                              int testStart, int testEnd, int[] evalOf, int fold) {
        int per = horizons.size() * quantiles.length;
        TickSeries fitTicks = s.slice(fitStart, testStart);
        TickSeries stream = s.slice(fitStart, testEnd);
        FitWindow window = new FitWindow(fitTicks, horizons, quantiles, cfg.training.validationFraction, cfg.training.seed);
        for (ModelForecasts m : models.subList(2, models.size())) {
            Baseline b = Baselines.create(m.name, cfg.lstmHidden, cfg.lstmEpochs, cfg.lstmWindow, cfg.lstmBlock, out);
            long t0 = System.nanoTime();
            Baseline.Fitted fitted = b.fit(window);
            double fitSec = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            float[] f = new float[(testEnd - testStart) * per];
            fitted.forecast(stream, testStart - fitStart, f);
            double fcSec = (System.nanoTime() - t1) / 1e9;
            for (int i = testStart; i < testEnd; i++) {
                System.arraycopy(f, (i - testStart) * per, m.values, evalOf[i] * per, per);
            }
            m.fitSeconds += fitSec;
            m.forecastSeconds += fcSec;
            ObjectNode d = fitted.describe();
            d.put("fold", fold).put("fit_seconds", fitSec).put("forecast_seconds", fcSec);
            m.folds.add(d);
            say("  fold %d: baseline %s fitted in %.2f s, %,d forecasts in %.2f s", fold, m.name, fitSec, testEnd - testStart, fcSec);
        }
    }

    // --------------------------------------------------------------------------------------------------- scoring

    private List<ModelForecasts> newModels(int nEval, int per) {
        List<ModelForecasts> models = new ArrayList<>();
        models.add(new ModelForecasts(MAMBA, nEval, per));
        models.add(new ModelForecasts(MAMBA_UNCALIBRATED, nEval, per));
        for (String b : Baselines.NAMES) {
            if (cfg.baselines.contains(b)) {
                models.add(new ModelForecasts(b, nEval, per));
            }
        }
        return models;
    }

    private BacktestResult result(MarketData data, List<Horizon> horizons, float[] quantiles, int median, int[] evalIndex, int[] evalFold,
                                  List<ModelForecasts> models, ArrayNode folds) {
        TickSeries s = data.series;
        int hCount = horizons.size(), nQ = quantiles.length, per = hCount * nQ;
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
                        ok = Float.isFinite(m.values[k * per + h * nQ + j]);
                    }
                }
                mask[k * hCount + h] = ok;
            }
        }
        ObjectNode range = JsonNodeFactory.instance.objectNode();
        range.put("source", data.location).put("symbol", data.symbol);
        range.put("rows", data.counts.rows).put("accepted", data.counts.accepted).put("duplicates", data.counts.duplicates)
                .put("rejected", data.counts.rejected).put("unparseable", data.counts.unparseable);
        range.put("data_from", iso(s.times[0])).put("data_to", iso(s.times[s.length - 1]));
        range.put("evaluated_from", iso(s.times[evalIndex[0]])).put("evaluated_to", iso(s.times[evalIndex[evalIndex.length - 1]]));
        range.put("evaluated_ticks", evalIndex.length);
        double[] ahead = FitWindow.ticksAhead(s, horizons, evalIndex);
        BacktestResult r = new BacktestResult(cfg, data, horizons, quantiles, median, evalIndex, evalFold, y, mask, models, folds, range, ahead);
        for (ModelForecasts m : models) {
            r.timings.put("fit_" + m.name, m.fitSeconds);
            r.timings.put("forecast_" + m.name, m.forecastSeconds);
        }
        return r;
    }

    /** Computes every metric of {@code r} in place. */
    static void score(BacktestResult r) {
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
            r.scores.put(m.name, list);
            if (!dmP.isEmpty()) {
                r.dmPinball.put(m.name, dmP);
                r.dmSquaredError.put(m.name, dmS);
            }
        }

        // The verdict: Mamba against the best classical baseline of each horizon.
        ModelForecasts mamba = r.model(MAMBA);
        for (int h = 0; mamba != null && h < hCount; h++) {
            ModelForecasts best = null;
            for (ModelForecasts m : r.models) {
                if (!m.name.equals(MAMBA) && !m.name.equals(MAMBA_UNCALIBRATED)
                        && (best == null || r.scores.get(m.name).get(h).pinballMean() < r.scores.get(best.name).get(h).pinballMean())) {
                    best = m;
                }
            }
            if (best == null) {
                break;
            }
            double[] d = Losses.difference(Losses.pinballSeries(mamba.values, r.targets, r.mask, h, hCount, r.quantiles),
                    Losses.pinballSeries(best.values, r.targets, r.mask, h, hCount, r.quantiles));
            double skill = 1 - r.scores.get(MAMBA).get(h).pinballMean() / r.scores.get(best.name).get(h).pinballMean();
            r.verdicts.add(new SkillVerdict(r.horizons.get(h).label(), best.name, skill,
                    DieboldMariano.testInBlocks(d, blocks.get(h), -1)));
        }

        // Trading: every model by the same rule on the same ticks.
        r.rule = TradingRule.of(r.horizons, r.config.tradeHorizon, r.config.costsBps, r.config.latency.toMillis());
        int n = r.nEval();
        if (n < 2) {
            return;
        }
        long[] times = evalTimes;
        double[] prices = new double[n];
        boolean[] blockEnd = new boolean[n];
        for (int k = 0; k < n; k++) {
            prices[k] = r.data.series.prices[r.evalIndex[k]];
            blockEnd[k] = k == n - 1 || r.evalIndex[k + 1] != r.evalIndex[k] + 1;
        }
        r.market = new TradingSimulation.Market(times, prices, blockEnd);
        int h = r.rule.horizonIndex(), per = hCount * nQ;
        for (ModelForecasts m : r.models) {
            double[] med = new double[n];
            for (int k = 0; k < n; k++) {
                med[k] = m.values[k * per + h * nQ + r.median];
            }
            int[] pos = r.rule.positions(med, times, blockEnd);
            r.trading.put(m.name, TradingSimulation.run(r.market, pos, r.rule.costFraction(), r.config.bar));
            // How much of the result survives slower fills: the same rule at other latencies.
            double[] byLatency = new double[LATENCIES_MS.length];
            for (int i = 0; i < LATENCIES_MS.length; i++) {
                TradingRule other = r.rule.withLatency(LATENCIES_MS[i]);
                byLatency[i] = TradingSimulation.run(r.market, other.positions(med, times, blockEnd), r.rule.costFraction(), r.config.bar)
                        .cumulativeReturn();
            }
            r.returnByLatency.put(m.name, byLatency);
        }
        int[] hold = new int[n];
        Arrays.fill(hold, 1);
        r.trading.put(BUY_AND_HOLD, TradingSimulation.run(r.market, hold, r.rule.costFraction(), r.config.bar));
    }

    /** The latencies of the report's sensitivity table: the next tick, 1 s, 5 s, 30 s. */
    public static final long[] LATENCIES_MS = {0, 1_000, 5_000, 30_000};

    // ----------------------------------------------------------------------------------------------------- utils

    static int medianIndex(float[] quantiles) {
        for (int j = 0; j < quantiles.length; j++) {
            if (quantiles[j] == 0.5f) {
                return j;
            }
        }
        throw new IllegalArgumentException("the quantile levels " + Arrays.toString(quantiles)
                + " lack 0.5: the median forecast is what MAE, RMSE, direction and the trading rule score");
    }

    private static int[] evalOfSeries(int n, int[] evalIndex) {
        int[] evalOf = new int[n];
        Arrays.fill(evalOf, -1);
        for (int k = 0; k < evalIndex.length; k++) {
            evalOf[evalIndex[k]] = k;
        }
        return evalOf;
    }

    private static Long instant(JsonNode n) {
        if (n == null || !n.isTextual()) {
            return null;
        }
        try {
            return Instant.parse(n.asText()).toEpochMilli();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static String iso(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }
}
