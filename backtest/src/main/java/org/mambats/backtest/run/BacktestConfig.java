package org.mambats.backtest.run;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.mambats.backtest.baseline.Baselines;
import org.mambats.backtest.baseline.LstmBaseline;
import org.mambats.model.train.TrainingRecipe;

/**
 * Everything one backtest run is told: the data, what to evaluate (a checkpoint, or walk-forward windows), the
 * training options of walk-forward folds, the baselines, the trading rule's costs, where the report goes. Written
 * into metrics.json as given.
 */
public final class BacktestConfig implements Cloneable {
    public String data;
    /** The symbols to backtest; empty: every symbol of the file (a universe when it holds several). */
    public List<String> symbols = new ArrayList<>();
    /** Walk-forward over several symbols: a model per symbol and fold instead of one global model per fold. */
    public boolean perSymbolModels;
    /** Threads for the independent units of work (trainings, then a fold of a symbol each); the result does not depend on it. */
    public int workers = Runtime.getRuntime().availableProcessors();
    /** Non-null: evaluate this checkpoint; null: walk-forward with the windows below. */
    public Path checkpoint;
    public Duration trainWindow;
    public Duration testWindow;
    public Duration retrainEvery;
    /** Checkpoint mode: score ticks from this time on (null: after the checkpoint's training data, see Backtest). */
    public Long evalFromMillis;
    public Path reportDir;
    public double costsBps = 2;
    /**
     * How long after a decision the trading rule's order fills: at the first later tick at least this long after the
     * decision's tick (0: the next tick). See {@code TradingRule}.
     */
    public Duration latency = Duration.ofSeconds(1);
    /** Horizon the trading rule trades on (null: the last, usually the longest). */
    public String tradeHorizon;
    /** Bar length for the Sharpe and Sortino ratios; null: chosen from the data (see {@link Backtest}). */
    public Duration bar;

    /**
     * Walk-forward: what each fold trains (the train command's options). Its validation fraction and seed also fit
     * the baselines, in both modes.
     */
    public TrainingRecipe training = new TrainingRecipe();

    /** Baselines to run, by name (see {@link Baselines#NAMES}). */
    public List<String> baselines = new ArrayList<>(Baselines.NAMES);
    public int lstmHidden = 16;
    public int lstmEpochs = 8;
    public int lstmWindow = 200;
    /** Ticks per block of the LSTM's batched forward (see LstmBaseline). */
    public int lstmBlock = LstmBaseline.DEFAULT_BLOCK;

    /** Also write every baseline forecast, forecasts-NAME.csv in the predict format. */
    public boolean baselineForecasts;
    /** Database for the run's results (null: none). */
    public String jdbcUrl;
    /** Print progress on stderr. */
    public boolean progress = true;

    /** The same run for one symbol of a universe, its report in {@code dir}. */
    public BacktestConfig forSymbol(String symbol, Path dir) {
        BacktestConfig c = copy();
        c.symbols = new ArrayList<>(List.of(symbol));
        c.reportDir = dir;
        return c;
    }

    private BacktestConfig copy() {
        try {
            BacktestConfig c = (BacktestConfig) super.clone();
            c.symbols = new ArrayList<>(symbols);
            c.baselines = new ArrayList<>(baselines);
            return c;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    public boolean walkForward() {
        return checkpoint == null;
    }

    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        o.put("mode", walkForward() ? "walk-forward" : "checkpoint");
        o.put("data", data);
        ArrayNode sy = o.putArray("symbols");
        symbols.forEach(sy::add);
        if (symbols.size() == 1) {
            o.put("symbol", symbols.get(0));
        }
        if (checkpoint != null) {
            o.put("checkpoint", checkpoint.toString());
            if (evalFromMillis != null) {
                o.put("eval_from", Instant.ofEpochMilli(evalFromMillis).toString());
            }
        } else {
            o.put("train_window", Durations.format(trainWindow));
            o.put("test_window", Durations.format(testWindow));
            o.put("retrain_every", Durations.format(retrainEvery));
            o.set("training", training.toJson());
            o.put("per_symbol_models", perSymbolModels);
        }
        o.put("costs_bps", costsBps);
        o.put("trade_horizon", tradeHorizon);
        o.put("latency_ms", latency.toMillis());
        o.put("sharpe_bar", Durations.format(bar));
        ArrayNode b = o.putArray("baselines");
        baselines.forEach(b::add);
        // What fits the baselines on each training window, in both modes.
        o.putObject("baseline_fit").put("validation_fraction", training.validationFraction).put("seed", training.seed);
        ObjectNode l = o.putObject("lstm");
        l.put("hidden", lstmHidden).put("epochs", lstmEpochs).put("window", lstmWindow).put("block", lstmBlock);
        o.put("report", reportDir == null ? null : reportDir.toString());
        return o;
    }
}
