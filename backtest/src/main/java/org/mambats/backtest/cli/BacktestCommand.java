package org.mambats.backtest.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mambats.backtest.baseline.Baselines;
import org.mambats.backtest.metrics.DieboldMariano;
import org.mambats.backtest.metrics.ForecastScores;
import org.mambats.backtest.metrics.TradingSimulation;
import org.mambats.backtest.report.ReportWriter;
import org.mambats.backtest.run.Backtest;
import org.mambats.backtest.run.BacktestConfig;
import org.mambats.backtest.run.BacktestResult;
import org.mambats.backtest.run.PanelResult;
import org.mambats.backtest.report.PanelReport;
import org.mambats.backtest.run.Durations;
import org.mambats.backtest.sink.BacktestSink;
import org.mambats.model.tick.TickFileOptions;
import org.mambats.model.cli.TrainingOptions;
import org.mambats.model.tick.TickCsv;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./mamba-ts backtest}: replays history through the live operator and scores it against baselines. */
@Command(name = "backtest", mixinStandardHelpOptions = true,
        description = {"Replay ticks through the live operator's ForecastStepper and score the forecasts against baselines "
                + "(no-change, EWMA, AR, LSTM) on the same ticks and horizons: MAE, RMSE, pinball loss, coverage, direction, "
                + "Diebold-Mariano; a trading rule's return, Sharpe, Sortino, drawdown, hit rate and turnover after costs.",
                "With --checkpoint it evaluates that model; with --train-window/--test-window it trains a model per "
                        + "walk-forward fold and forecasts the window after it, never using a tick after the forecast time. "
                        + "Each fold trains as ./mamba-ts train would with the same training options (--horizons ... --threads); "
                        + "--seed and --validation also fit the baselines.",
                "Writes OUT_DIR/forecasts.csv (predict format), metrics.json, report.html and its charts."})
public class BacktestCommand implements Callable<Integer> {
    @Mixin
    TickFileOptions file = new TickFileOptions();
    @Option(names = "--symbols", split = ",", description = "Backtest these symbols of the file as a universe (default: every symbol "
            + "of the file; a file with several is a panel backtest: one global model per fold, metrics per symbol and pooled, a portfolio).")
    List<String> symbols;
    @Option(names = "--per-symbol-models", description = "Walk-forward over several symbols: train a model per symbol and fold "
            + "instead of one global model per fold (to measure what the global model costs or gains).")
    boolean perSymbolModels;
    @Option(names = "--workers", description = "Threads for the independent units of work (a training, a fold of a symbol); "
            + "default: all cores. The result is the same for any number.")
    Integer workers;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    static final class Mode {
        @Option(names = "--checkpoint", required = true, description = "Evaluate this checkpoint (no training).")
        Path checkpoint;
        @ArgGroup(exclusive = false)
        Windows windows;
    }

    static final class Windows {
        @Option(names = "--train-window", required = true, description = "Walk-forward: training window, e.g. 3d, 12h.")
        String train;
        @Option(names = "--test-window", required = true, description = "Walk-forward: window forecast after each training window, e.g. 1d.")
        String test;
        @Option(names = "--retrain-every", description = "Walk-forward: step between folds (default: the test window).")
        String retrain;
    }

    @Option(names = "--report", required = true, description = "Output directory for forecasts.csv, metrics.json, report.html and charts.")
    Path report;
    @Option(names = "--costs-bps", defaultValue = "2", description = "Transaction costs per unit of notional traded, bps (default ${DEFAULT-VALUE}).")
    double costsBps;
    @Option(names = "--trade-horizon", description = "Horizon the trading rule trades on (default: the last horizon).")
    String tradeHorizon;
    @Option(names = "--latency", defaultValue = "1s", description = "Trading rule: an order fills at the first tick at least this long "
            + "after the decision (default ${DEFAULT-VALUE}; 0: the next tick). Many prints share a time stamp, so 'the next tick' is "
            + "often the same instant.")
    String latency;
    @Option(names = "--bar", description = "Bar length of the returns behind Sharpe and Sortino (default: 5m for trades, the data's "
            + "own spacing for bars, e.g. 1d for daily bars).")
    String bar;
    @Option(names = "--eval-from", description = "Checkpoint mode: score ticks from this time (ISO-8601 or epoch ms) instead of after the "
            + "checkpoint's training data.")
    String evalFrom;

    /** Walk-forward: what each fold trains, with train's options and defaults (seed and validation also fit the baselines). */
    @Mixin
    TrainingOptions training = new TrainingOptions();

    @Option(names = "--baselines", defaultValue = "no-change,ewma,ar,lstm", split = ",",
            description = "Baselines to run (default ${DEFAULT-VALUE}); no-change is the Diebold-Mariano reference.")
    List<String> baselines;
    @Option(names = "--lstm-hidden", defaultValue = "16", description = "LSTM baseline units (default ${DEFAULT-VALUE}).")
    int lstmHidden;
    @Option(names = "--lstm-epochs", defaultValue = "8", description = "LSTM baseline maximum epochs (default ${DEFAULT-VALUE}).")
    int lstmEpochs;
    @Option(names = "--lstm-window", defaultValue = "200", description = "LSTM baseline training window, ticks (default ${DEFAULT-VALUE}).")
    int lstmWindow;
    @Option(names = "--baseline-forecasts", description = "Also write forecasts-NAME.csv for every baseline.")
    boolean baselineForecasts;
    @Option(names = "--jdbc-url", description = "Also store the run in the database's backtest tables (needs the database sink on the class path).")
    String jdbcUrl;
    @Option(names = "--quiet", description = "No progress on stderr.")
    boolean quiet;

    /** The configuration these options describe. */
    public BacktestConfig config() {
        BacktestConfig c = new BacktestConfig();
        c.data = file.data;
        if (file.symbol != null && symbols != null) {
            throw new IllegalArgumentException("give --symbol (one) or --symbols (a universe), not both");
        }
        c.symbols = file.symbol != null ? new ArrayList<>(List.of(file.symbol))
                : symbols == null ? new ArrayList<>() : new ArrayList<>(symbols.stream().map(String::trim).filter(x -> !x.isEmpty()).distinct().toList());
        c.perSymbolModels = perSymbolModels;
        if (workers != null) {
            if (workers < 1) {
                throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
            }
            c.workers = workers;
        }
        c.reportDir = report;
        if (!(costsBps >= 0)) {
            throw new IllegalArgumentException("--costs-bps must be >= 0, got " + costsBps);
        }
        c.costsBps = costsBps;
        c.tradeHorizon = tradeHorizon;
        c.latency = latency.trim().matches("0+(ms|s|m|h|d)?") ? java.time.Duration.ZERO : Durations.parse(latency);
        c.bar = bar == null ? null : Durations.parse(bar);
        if (mode.checkpoint != null) {
            c.checkpoint = mode.checkpoint;
            String from = evalFrom == null ? null : evalFrom.trim();
            if (from != null && !from.isEmpty() && from.length() <= 11 && from.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("--eval-from " + from + " reads as epoch milliseconds, "
                        + java.time.Instant.ofEpochMilli(Long.parseLong(from)) + "; for epoch seconds write " + from + "000, or give an ISO-8601 time");
            }
            c.evalFromMillis = from == null ? null : TickCsv.parseTime(from);
        } else {
            if (evalFrom != null) {
                throw new IllegalArgumentException("--eval-from applies to --checkpoint; walk-forward scores each fold's test window");
            }
            c.trainWindow = Durations.parse(mode.windows.train);
            c.testWindow = Durations.parse(mode.windows.test);
            c.retrainEvery = mode.windows.retrain == null ? c.testWindow : Durations.parse(mode.windows.retrain);
        }
        c.training = training.recipe();
        c.baselines = new ArrayList<>(baselines.stream().map(String::trim).filter(s -> !s.isEmpty()).toList());
        for (String b : c.baselines) {
            if (!Baselines.NAMES.contains(b)) {
                throw new IllegalArgumentException("unknown baseline '" + b + "'; known: " + Baselines.NAMES);
            }
        }
        c.lstmHidden = lstmHidden;
        c.lstmEpochs = lstmEpochs;
        c.lstmWindow = lstmWindow;
        c.baselineForecasts = baselineForecasts;
        c.jdbcUrl = jdbcUrl;
        c.progress = !quiet;
        return c;
    }

    @Override
    public Integer call() throws Exception {
        System.setProperty("java.awt.headless", "true");
        BacktestConfig c = config();
        run(c);
        return 0;
    }

    /**
     * Runs {@code c}, writes its report (a single symbol's, or a universe's with each symbol's inside), stores it in
     * the database when configured, and prints the summary.
     */
    public static PanelResult run(BacktestConfig c) throws java.io.IOException {
        try (BacktestSink sink = BacktestSink.open(c.jdbcUrl)) {
            PanelResult p = Backtest.runUniverse(c, c.progress ? System.err::println : null);
            if (p.symbols.size() == 1) {
                BacktestResult r = p.symbols.get(0);
                ObjectNode metrics = ReportWriter.write(r, c.reportDir);
                sink.storeRun(r.runId, (ObjectNode) metrics.path("run").path("config"), metrics, r);
                printSummary(r);
            } else {
                List<ObjectNode> symbolMetrics = new ArrayList<>();
                for (BacktestResult r : p.symbols) {
                    symbolMetrics.add(ReportWriter.write(r, r.config.reportDir));
                }
                ObjectNode panel = PanelReport.write(p, c.reportDir);
                sink.storePanel(p.runId, panel, p, symbolMetrics);
                printPanelSummary(p);
            }
            return p;
        }
    }

    static void printSummary(BacktestResult r) {
        System.out.printf(Locale.ROOT, "backtest %s: %,d scored ticks in %d fold(s), %s to %s, %.0f s%n", r.data.symbol, r.nEval(),
                r.folds.size(), r.dataRange.path("evaluated_from").asText(), r.dataRange.path("evaluated_to").asText(), r.wallSeconds);
        System.out.printf(Locale.ROOT, "%-8s %-10s %10s %10s %8s %9s %9s %10s%n", "horizon", "model", "pinball", "MAE", "cover", "direction",
                "skill", "DM (p)");
        List<ForecastScores> ref = r.scores.get("no-change");
        for (int h = 0; h < r.horizons.size(); h++) {
            for (var e : r.scores.entrySet()) {
                ForecastScores s = e.getValue().get(h);
                List<DieboldMariano.Result> dm = r.dmPinball.get(e.getKey());
                System.out.printf(Locale.ROOT, "%-8s %-10s %10.4f %10.4f %8.3f %9.3f %8.2f%% %10s%n", s.horizon(), e.getKey(),
                        1e4 * s.pinballMean(), 1e4 * s.mae(), s.coverage(), s.directionalAccuracy(),
                        ref == null ? Double.NaN : 100 * (1 - s.pinballMean() / ref.get(h).pinballMean()),
                        dm != null ? String.format(Locale.ROOT, "%.2f (%.3f)", dm.get(h).statistic(), dm.get(h).pValue())
                                : e.getKey().equals("no-change") ? "reference" : "n/a");
            }
        }
        if (ref == null) {
            System.out.println("(no skill or DM: they compare against the no-change baseline, which --baselines left out)");
        }
        r.verdicts.forEach(v -> System.out.println(v.words()));
        List<ForecastScores> uncal = r.scores.get(org.mambats.backtest.run.Backtest.MAMBA_UNCALIBRATED);
        List<ForecastScores> cal = r.scores.get(org.mambats.backtest.run.Backtest.MAMBA);
        for (int h = 0; uncal != null && cal != null && h < r.horizons.size(); h++) {
            System.out.printf(Locale.ROOT, "%s: coverage of the %s band %.3f before the online calibration, %.3f after%n",
                    r.horizons.get(h).label(), bandText(r.quantiles), uncal.get(h).coverage(), cal.get(h).coverage());
        }
        if (r.rule != null) {
            System.out.printf(Locale.ROOT, "trading on %s medians, %.1f bps costs, orders filled %s after the decision:%n", r.rule.horizon(),
                    r.rule.costsBps(), org.mambats.backtest.metrics.TradingRule.latencyText(r.rule.latencyMillis()));
            for (var e : r.trading.entrySet()) {
                TradingSimulation.Result t = e.getValue();
                double[] ci = t.sharpeInterval95();
                System.out.printf(Locale.ROOT, "  %-13s return %+8.2f%%  Sharpe %7.2f [%.2f, %.2f]  Sortino %7.2f  max DD %6.2f%%  hit %5.1f%%  "
                                + "trades %,7d  turnover/day %8.1f%n", e.getKey(), 100 * t.cumulativeReturn(), t.sharpe(), ci[0], ci[1], t.sortino(),
                        100 * t.maxDrawdown(), 100 * t.hitRate(), t.trades(), t.turnoverPerDay());
            }
            for (var e : r.returnByLatency.entrySet()) {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < e.getValue().length; i++) {
                    long ms = org.mambats.backtest.run.Backtest.LATENCIES_MS[i];
                    b.append(String.format(Locale.ROOT, "  %s %+.2f%%", ms == 0 ? "next tick" : org.mambats.backtest.metrics.TradingRule.latencyText(ms),
                            100 * e.getValue()[i]));
                }
                System.out.printf(Locale.ROOT, "  %-13s return by latency:%s%n", e.getKey(), b);
            }
        }
        System.out.println("report: " + r.config.reportDir.resolve(ReportWriter.HTML));
    }

    static void printPanelSummary(PanelResult p) {
        System.out.printf(Locale.ROOT, "panel backtest of %d symbols, %.0f s; each symbol's own table is in its report%n", p.symbols.size(),
                p.wallSeconds);
        System.out.printf(Locale.ROOT, "%-10s %-8s %8s %8s %8s %8s %9s %8s %8s%n", "symbol", "horizon", "ticks", "mamba", "best base",
                "", "cover", "uncal.", "verdict");
        for (BacktestResult r : p.symbols) {
            for (int h = 0; h < r.horizons.size(); h++) {
                var v = h < r.verdicts.size() ? r.verdicts.get(h) : null;
                ForecastScores m = r.scores.get(Backtest.MAMBA).get(h);
                ForecastScores u = r.scores.get(Backtest.MAMBA_UNCALIBRATED).get(h);
                List<ForecastScores> ref = r.scores.get("no-change");
                System.out.printf(Locale.ROOT, "%-10s %-8s %,8d %+7.2f%% %-9s %+7.2f%% %9.3f %8.3f %8s%n", r.data.symbol, m.horizon(), m.n(),
                        ref == null ? Double.NaN : 100 * (1 - m.pinballMean() / ref.get(h).pinballMean()), v == null ? "" : v.baseline(),
                        v == null || ref == null ? Double.NaN
                                : 100 * (1 - r.scores.get(v.baseline()).get(h).pinballMean() / ref.get(h).pinballMean()),
                        m.coverage(), u.coverage(), v == null ? "" : v.outcome().name().toLowerCase(Locale.ROOT));
            }
        }
        System.out.println("pooled over the universe (losses in units of each symbol's no-change loss; DM over time blocks shared by all symbols):");
        System.out.printf(Locale.ROOT, "%-8s %-20s %10s %9s %8s %9s %16s%n", "horizon", "model", "rel. pinb.", "skill", "cover", "direction", "DM vs no-change");
        for (int h = 0; h < p.horizons.size(); h++) {
            for (var e : p.pooled.entrySet()) {
                var s = e.getValue().get(h);
                System.out.printf(Locale.ROOT, "%-8s %-20s %10.4f %+8.2f%% %8.3f %9.3f %16s%n", s.horizon(), e.getKey(), s.relativePinball(),
                        100 * s.skill(), s.coverage(), s.directionalAccuracy(),
                        s.dm() == null ? "reference" : String.format(Locale.ROOT, "%.2f (%.3f)", s.dm().statistic(), s.dm().pValue()));
            }
        }
        p.verdicts.forEach(v -> System.out.println("pooled " + v.words()));
        if (!p.portfolio.isEmpty()) {
            System.out.printf(Locale.ROOT, "portfolio: %d equal sleeves, not rebalanced, each trading its symbol by the rule on %s medians, %.1f bps costs:%n",
                    p.symbols.size(), p.symbols.get(0).rule.horizon(), p.symbols.get(0).rule.costsBps());
            for (var e : p.portfolio.entrySet()) {
                var t = e.getValue();
                double[] ci = t.sharpeInterval95();
                // A book that never traded has no return series to take a ratio of.
                String sharpe = Double.isFinite(t.sharpe()) ? String.format(Locale.ROOT, "%7.2f [%.2f, %.2f]", t.sharpe(), ci[0], ci[1])
                        : String.format(Locale.ROOT, "%-20s", "    n/a (no trades)");
                System.out.printf(Locale.ROOT, "  %-20s return %+8.2f%%  Sharpe %s  max DD %6.2f%%  trades %,7d  turnover/day %6.2f%n",
                        e.getKey(), 100 * t.cumulativeReturn(), sharpe, 100 * t.maxDrawdown(), t.trades(), t.turnoverPerDay());
            }
        }
        System.out.println("report: " + p.config.reportDir.resolve(ReportWriter.HTML));
    }

    private static String bandText(float[] q) {
        return Math.round(100 * q[0]) + "-" + Math.round(100 * q[q.length - 1]);
    }

    /** Runs the command on its own (the mamba-ts launcher registers it as a subcommand). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BacktestCommand()).execute(args));
    }
}
