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

/**
 * Everything one backtest run is told: the data, what to evaluate (a checkpoint, or walk-forward windows), the
 * training options of walk-forward folds, the baselines, the trading rule's costs, where the report goes. Written
 * into metrics.json as given.
 */
public final class BacktestConfig {
    public String data;
    /** Null: the file's only symbol (a file with several symbols needs one chosen). */
    public String symbol;
    /** Non-null: evaluate this checkpoint; null: walk-forward with the windows below. */
    public Path checkpoint;
    public Duration trainWindow;
    public Duration testWindow;
    public Duration retrainEvery;
    /** Checkpoint mode: score ticks from this time on (null: after the checkpoint's training data, see Backtest). */
    public Long evalFromMillis;
    public Path reportDir;
    public double costsBps = 2;
    /** Horizon the trading rule trades on (null: the last, usually the longest). */
    public String tradeHorizon;
    /** Bar length for the Sharpe and Sortino ratios. */
    public Duration bar = Duration.ofMinutes(5);

    // Walk-forward: what each fold trains (the train command's options).
    public String horizons = "1tick,10s,60s,300s";
    public float[] quantiles = {0.1f, 0.5f, 0.9f};
    public int dModel = 64;
    public int layers = 2;
    public int dState = 16;
    public int expand = 2;
    public int dConv = 4;
    public int epochs = 20;
    public int patience = 3;
    public int batch = 32;
    public int window = 256;
    public double learningRate = 1e-3;
    public double weightDecay = 0.01;
    public double clip = 1.0;
    public double validationFraction = 0.2;
    public boolean deltaTimeScaling;
    public double volHalfLife = 50;
    public long graceMillis = 2000;
    public long seed = 42;
    public Integer threads;

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

    public boolean walkForward() {
        return checkpoint == null;
    }

    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        o.put("mode", walkForward() ? "walk-forward" : "checkpoint");
        o.put("data", data);
        o.put("symbol", symbol);
        if (checkpoint != null) {
            o.put("checkpoint", checkpoint.toString());
            if (evalFromMillis != null) {
                o.put("eval_from", Instant.ofEpochMilli(evalFromMillis).toString());
            }
        } else {
            o.put("train_window", Durations.format(trainWindow));
            o.put("test_window", Durations.format(testWindow));
            o.put("retrain_every", Durations.format(retrainEvery));
            o.put("horizons", horizons);
            ArrayNode q = o.putArray("quantiles");
            for (float v : quantiles) {
                q.add(v);
            }
            ObjectNode t = o.putObject("training");
            t.put("d_model", dModel).put("layers", layers).put("d_state", dState).put("expand", expand).put("d_conv", dConv);
            t.put("epochs", epochs).put("patience", patience).put("batch", batch).put("window", window);
            t.put("learning_rate", learningRate).put("weight_decay", weightDecay).put("clip_norm", clip);
            t.put("validation_fraction", validationFraction).put("delta_time_scaling", deltaTimeScaling);
            t.put("vol_half_life_ticks", volHalfLife).put("grace_ms", graceMillis).put("seed", seed);
        }
        o.put("costs_bps", costsBps);
        o.put("trade_horizon", tradeHorizon);
        o.put("sharpe_bar", Durations.format(bar));
        ArrayNode b = o.putArray("baselines");
        baselines.forEach(b::add);
        ObjectNode l = o.putObject("lstm");
        l.put("hidden", lstmHidden).put("epochs", lstmEpochs).put("window", lstmWindow).put("block", lstmBlock);
        o.put("report", reportDir == null ? null : reportDir.toString());
        return o;
    }
}
