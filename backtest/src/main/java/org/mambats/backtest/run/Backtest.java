package org.mambats.backtest.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.mambats.backtest.baseline.Baselines;
import org.mambats.backtest.metrics.TradingRule;
import org.mambats.backtest.replay.MarketData;
import org.mambats.backtest.replay.StepperReplay;
import org.mambats.model.forecast.ForecastCsvWriter;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.features.Horizon;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.forecast.TrainingProvenance;
import org.mambats.model.train.DataDefaults;

/**
 * One backtest run over one symbol or a universe of them: reads the history, makes the Mamba forecasts by replaying
 * it through the live operator's {@link org.mambats.model.forecast.ForecastStepper} (one checkpoint, or models
 * trained per walk-forward fold, see {@link WalkForward}), runs the baselines on the same ticks, and scores
 * everything against the outcomes, per symbol ({@link Scoring}) and, for a universe, pooled with a portfolio
 * ({@link PanelResult}).
 *
 * <p><b>Checkpoint.</b> The model is replayed over every row of each symbol from a fresh state, as
 * {@code ./mamba-ts predict} does, and every forecast goes to forecasts.csv. Metrics are computed on the ticks after
 * the checkpoint's own training data when its provenance names that range and it overlaps the file (so a model is
 * not scored on what it was fitted to), on the ticks from {@code --eval-from} when given, else on the ticks after
 * the first 20% of the symbol's time range; the baselines are fitted on the ticks before the scored ones (from the
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
    /** The latencies of the report's sensitivity table: the next tick, 1 s, 5 s, 30 s. */
    public static final long[] LATENCIES_MS = {0, 1_000, 5_000, 30_000};
    /** The Sharpe bars of trades, and the shortest for bars. */
    static final Duration DEFAULT_BAR = Duration.ofMinutes(5);

    private final BacktestConfig cfg;
    private final Progress out;
    /** Refuse a file with several symbols (when none is configured) as soon as it is read. */
    private final boolean oneSymbol;

    private Backtest(BacktestConfig cfg, Consumer<String> out, boolean oneSymbol) {
        this.cfg = cfg;
        this.out = new Progress(out);
        this.oneSymbol = oneSymbol;
    }

    /** Runs a backtest of one symbol (the file's only one, or the one configured). */
    public static BacktestResult run(BacktestConfig cfg, Consumer<String> progress) throws IOException {
        return new Backtest(cfg, progress, true).runAll().symbols.get(0);
    }

    /** Runs a backtest of every configured symbol (every symbol of the file when none is): a panel of one or more. */
    public static PanelResult runUniverse(BacktestConfig cfg, Consumer<String> progress) throws IOException {
        return new Backtest(cfg, progress, false).runAll();
    }

    private void say(String format, Object... args) {
        out.say(format, args);
    }

    private PanelResult runAll() throws IOException {
        long start = System.nanoTime();
        String startedAt = Instant.now().toString();
        if (cfg.reportDir == null) {
            throw new IllegalArgumentException("a backtest needs a report directory");
        }
        Files.createDirectories(cfg.reportDir);
        for (String b : cfg.baselines) {
            if (!Baselines.NAMES.contains(b)) {
                throw new IllegalArgumentException("unknown baseline '" + b + "'; known: " + Baselines.NAMES);
            }
        }
        if (cfg.bar == null) {
            // Sharpe over 5-minute bars of daily data would be mostly empty bars: bars get their own spacing.
            DataDefaults.Profile profile = DataDefaults.scan(cfg.data, cfg.symbols.size() == 1 ? cfg.symbols.get(0) : null);
            cfg.bar = sharpeBar(profile);
            say("backtest: Sharpe and Sortino over %s bars (%s; --bar to choose)", Durations.format(cfg.bar),
                    profile.bars() ? "the data's spacing" : "trades");
        }
        List<BacktestResult> symbols = cfg.walkForward() ? new WalkForward(cfg, out, this::checkUniverse).run() : checkpointAll();
        String panelId = UUID.nameUUIDFromBytes((startedAt + cfg.toJson()).getBytes(StandardCharsets.UTF_8)).toString();
        for (BacktestResult r : symbols) {
            r.startedAt = startedAt;
            r.panelRunId = symbols.size() == 1 ? null : panelId;
            r.runId = symbols.size() == 1 ? panelId
                    : UUID.nameUUIDFromBytes((startedAt + cfg.toJson() + r.data.symbol).getBytes(StandardCharsets.UTF_8)).toString();
            r.wallSeconds = (System.nanoTime() - start) / 1e9;
        }
        PanelResult p = PanelResult.of(cfg, symbols);
        p.runId = panelId;
        p.startedAt = startedAt;
        p.wallSeconds = (System.nanoTime() - start) / 1e9;
        return p;
    }

    /** The Sharpe bar a run gets when none is configured: 5 minutes for trades, the data's own spacing for bars. */
    static Duration sharpeBar(DataDefaults.Profile profile) {
        return profile.bars() ? Duration.ofSeconds(Math.max(DEFAULT_BAR.toSeconds(), Math.round(profile.medianSpacingSeconds())))
                : DEFAULT_BAR;
    }

    private void checkUniverse(List<MarketData> universe) {
        if (oneSymbol && universe.size() > 1) {
            throw new IllegalArgumentException(cfg.data + " holds several symbols " + universe.stream().map(d -> d.symbol).toList()
                    + ": choose one with --symbol");
        }
    }

    /** Where a symbol's report goes: the run's directory for a single symbol, else {@code symbols/SYMBOL} inside it. */
    static Path reportDirOf(BacktestConfig cfg, String symbol, int universeSize) {
        return universeSize == 1 ? cfg.reportDir : cfg.reportDir.resolve("symbols").resolve(WalkForward.safe(symbol));
    }

    // ------------------------------------------------------------------------------------------- checkpoint mode

    private List<BacktestResult> checkpointAll() throws IOException {
        ForecastModel model = ForecastModel.load(cfg.checkpoint);
        ForecastModel.Settings st = ForecastModel.Settings.fromJson(model.config().get(ForecastModel.CONFIG_KEY));
        say("backtest: checkpoint %s (%s %s), horizons %s, quantiles %s", cfg.checkpoint, model.name(), model.version(),
                model.horizons().stream().map(Horizon::label).toList(), Arrays.toString(model.quantiles()));
        say("backtest: reading %s ...", cfg.data);
        long t = System.nanoTime();
        List<MarketData> universe = MarketData.readUniverse(cfg.data, cfg.symbols.isEmpty() ? null : cfg.symbols, st.volHalfLifeTicks,
                model.outOfOrderGraceMillis());
        double readSeconds = (System.nanoTime() - t) / 1e9;
        checkUniverse(universe);
        universe.get(0).counts.reasons.lines().forEach(l -> say("backtest:   %s", l));
        TradingRule.of(model.horizons(), cfg.tradeHorizon, cfg.costsBps, cfg.latency.toMillis()); // refuse bad trading options now
        List<BacktestResult> out = new ArrayList<>();
        for (MarketData data : universe) {
            BacktestConfig mine = universe.size() == 1 ? cfg : cfg.forSymbol(data.symbol, reportDirOf(cfg, data.symbol, universe.size()));
            Files.createDirectories(mine.reportDir);
            BacktestResult r = checkpoint(mine, model, st, data);
            r.timings.put("read", readSeconds);
            out.add(r);
        }
        return out;
    }

    private BacktestResult checkpoint(BacktestConfig cfg, ForecastModel model, ForecastModel.Settings st, MarketData data) throws IOException {
        TickSeries s = data.series;
        say("backtest: %s: %s; %s to %s", data.symbol, data.counts, Instant.ofEpochMilli(s.times[0]), Instant.ofEpochMilli(s.times[s.length - 1]));
        List<Horizon> horizons = model.horizons();
        float[] quantiles = model.quantiles();
        medianIndex(quantiles);

        // Which ticks are scored, and which fit the baselines.
        int n = s.length, fitStart = 0, evalStart;
        String evalRule;
        JsonNode prov = st.provenance;
        TrainingProvenance trained = model.provenance();
        Long dataFrom = trained.dataFrom() == null ? null : trained.dataFrom().toEpochMilli();
        Long dataTo = trained.dataTo() == null ? null : trained.dataTo().toEpochMilli();
        if (cfg.evalFromMillis != null) {
            if (cfg.evalFromMillis <= s.times[0] || cfg.evalFromMillis > s.times[n - 1]) {
                throw new IllegalArgumentException("the evaluation start " + Instant.ofEpochMilli(cfg.evalFromMillis) + " is not inside the data, "
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
        SymbolRun run = new SymbolRun(cfg, data, horizons, quantiles, evalIndex, evalFold);

        // The model over every row, as predict runs it.
        StepperReplay.Stats stats;
        long rowsWritten;
        try (ForecastCsvWriter csv = new ForecastCsvWriter(cfg.reportDir.resolve("forecasts.csv"), model)) {
            stats = StepperReplay.replay(model, data, 0, data.rows(), 0, (p, tick, q, raw) -> {
                csv.write(data.rowIndex[p], tick, data.timeText[p], q);
                run.record(data.seriesIndex[p], q, raw);
            }, out.replayProgress("replay " + data.symbol));
            rowsWritten = csv.rows();
        }
        run.mamba().forecastSeconds = stats.seconds();
        say("backtest: %s: replayed %,d rows through the ForecastStepper in %.2f s (%,.0f ticks/s): %,d accepted, %,d duplicates, %,d rejected",
                data.symbol, stats.rows(), stats.seconds(), stats.ticksPerSecond(), stats.accepted(), stats.duplicates(), stats.rejected());
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
        run.mamba().folds.add(fold);
        ArrayNode folds = JsonNodeFactory.instance.arrayNode();
        folds.add(fold.deepCopy());

        List<SymbolRun.BaselineFold> baselines = run.runBaselines(fitStart, evalStart, n, 1, out::line);
        for (SymbolRun.BaselineFold b : baselines) {
            say("  %s: baseline %s fitted in %.2f s, %,d forecasts in %.2f s", data.symbol, b.name(), b.fitSeconds(), n - evalStart,
                    b.forecastSeconds());
        }
        run.addBaselineFolds(baselines);

        BacktestResult r = run.result(folds);
        r.dataRange.put("evaluation_rule", evalRule);
        r.timings.put("replay_mamba", stats.seconds());
        r.mambaForecastRows = rowsWritten;
        return r;
    }

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

    static String iso(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }
}
