package org.mambats.model.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.dataset.TrainingSet;
import org.mambats.model.features.Horizon;
import org.mambats.model.features.TickFeatures;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.mamba.MambaConfig;
import org.mambats.model.tick.TickCsv;
import org.mambats.model.train.Trainer;
import org.mambats.model.train.TrainerConfig;
import org.mambats.model.train.TrainingListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./mamba-ts train}: fits a forecaster on a CSV of ticks and writes a checkpoint. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train the Mamba forecaster on ticks (quantiles of future log returns per horizon) and write a checkpoint "
                + "that ./mamba-ts predict, stream and backtest serve.")
public class TrainCommand implements Callable<Integer> {
    @Option(names = "--data", required = true,
            description = "Tick CSV: timestamp,price,amount (unix seconds) or symbol,ts,price,size[,bid,ask][,seq]; "
                    + "classpath:" + TickCsv.BITSTAMP_RESOURCE + " reads the shipped Bitstamp trades.")
    String data;
    @Option(names = "--out", required = true, description = "Checkpoint directory to write.")
    Path out;
    @Option(names = "--symbol", description = "Symbol for files without a symbol column (default " + TickCsv.DEFAULT_SYMBOL
            + "); for files with one, train on this symbol only (default: every symbol, one sequence each).")
    String symbol;
    @Option(names = "--horizons", defaultValue = "1tick,10s,60s,300s", description = "Forecast horizons (default ${DEFAULT-VALUE}).")
    String horizons;
    @Option(names = "--quantiles", defaultValue = "0.1,0.5,0.9", split = ",", description = "Quantile levels (default ${DEFAULT-VALUE}).")
    float[] quantiles;
    @Option(names = "--d-model", defaultValue = "64", description = "Model width D (default ${DEFAULT-VALUE}).")
    int dModel;
    @Option(names = "--layers", defaultValue = "2", description = "Mamba layers (default ${DEFAULT-VALUE}).")
    int layers;
    @Option(names = "--d-state", defaultValue = "16", description = "SSM state size N (default ${DEFAULT-VALUE}).")
    int dState;
    @Option(names = "--expand", defaultValue = "2", description = "Inner width E = expand * D (default ${DEFAULT-VALUE}).")
    int expand;
    @Option(names = "--d-conv", defaultValue = "4", description = "Causal conv width K (default ${DEFAULT-VALUE}).")
    int dConv;
    @Option(names = "--epochs", defaultValue = "20", description = "Maximum epochs (default ${DEFAULT-VALUE}).")
    int epochs;
    @Option(names = "--batch", defaultValue = "32", description = "Windows per batch (default ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--window", defaultValue = "256", description = "Ticks per TBPTT window (default ${DEFAULT-VALUE}).")
    int window;
    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate (default ${DEFAULT-VALUE}).")
    double learningRate;
    @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW weight decay (default ${DEFAULT-VALUE}).")
    double weightDecay;
    @Option(names = "--clip", defaultValue = "1.0", description = "Gradient clipping by global norm (default ${DEFAULT-VALUE}).")
    double clip;
    @Option(names = "--patience", defaultValue = "3", description = "Early stopping: epochs without validation improvement (default ${DEFAULT-VALUE}).")
    int patience;
    @Option(names = "--validation", defaultValue = "0.2", description = "Fraction of the time range, at the end, held out for validation (default ${DEFAULT-VALUE}).")
    double validationFraction;
    @Option(names = "--delta-time-scaling", description = "Scale the SSM step delta by the elapsed time between ticks (state decays in real time).")
    boolean deltaTimeScaling;
    @Option(names = "--vol-half-life", defaultValue = "50", description = "Half-life of the volatility feature, in ticks (default ${DEFAULT-VALUE}).")
    double volHalfLife;
    @Option(names = "--grace-ms", defaultValue = "2000", description = "Out-of-order grace for late ticks, ms (default ${DEFAULT-VALUE}).")
    long graceMillis;
    @Option(names = "--seed", defaultValue = "42", description = "Seed: the same data, options and seed give the same checkpoint (default ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--name", defaultValue = "mamba-forecaster", description = "Model name recorded with every forecast (default ${DEFAULT-VALUE}).")
    String name;
    @Option(names = "--threads", description = "Training threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        var horizonList = Horizon.parseList(horizons);
        System.err.println("train: reading " + data + " ...");
        TickSeries.Counts counts = new TickSeries.Counts();
        Map<String, TickSeries> series = TickSeries.read(data, symbol, volHalfLife, graceMillis, counts);
        System.err.println("train: " + counts + "; symbols " + series.keySet());
        TrainingSet set = new TrainingSet(series.values(), horizonList, quantiles, validationFraction, deltaTimeScaling);
        System.err.printf(Locale.ROOT, "train: %d training ticks before %s, %d validation ticks after%n",
                set.trainTicks, Instant.ofEpochMilli(set.splitTimeMillis), set.validationTicks);

        MambaConfig backbone = new MambaConfig(dModel, layers, dState, expand, expand * dModel, dConv,
                (dModel + 15) / 16, 1e-5f, true, false);
        TrainerConfig cfg = TrainerConfig.defaults().epochs(epochs).batchSize(batch).windowLength(window)
                .learningRate(learningRate).weightDecay(weightDecay).clipNorm(clip).patience(patience).seed(seed)
                .quantileLevels(quantiles);
        if (threads != null) {
            cfg.threads(threads);
        }
        long start = System.nanoTime();
        Trainer.FitResult fit;
        double modelLoss;
        double climatology = set.climatologyLoss(set.validation, quantiles);
        try (Trainer trainer = Trainer.create(backbone, TickFeatures.COUNT, horizonList.size(), cfg)) {
            fit = trainer.fit(set.train, set.validation, new Progress());
            modelLoss = set.validation.isEmpty() ? Double.NaN : trainer.evaluate(set.validation).mean();

            ForecastModel.Settings settings = new ForecastModel.Settings();
            settings.name = name;
            settings.horizons = horizonList;
            settings.quantiles = quantiles.clone();
            settings.targetScale = set.targetScale;
            settings.featureMean = set.normalizer.mean();
            settings.featureStd = set.normalizer.std();
            settings.volHalfLifeTicks = volHalfLife;
            settings.deltaTimeScaling = deltaTimeScaling;
            settings.dtReferenceSeconds = set.dtReferenceSeconds;
            settings.outOfOrderGraceMillis = graceMillis;
            settings.provenance = provenance(set, counts, series, fit, modelLoss, climatology, (System.nanoTime() - start) / 1e9);
            ForecastModel.save(out, trainer.weights(), settings);
        }
        System.err.printf(Locale.ROOT, "train: %d epochs (best %d) in %.0f s -> %s%n", fit.epochsRun(), fit.bestEpoch() + 1,
                (System.nanoTime() - start) / 1e9, out);
        if (!Double.isNaN(modelLoss)) {
            double gain = 1 - modelLoss / climatology;
            System.err.printf(Locale.ROOT, "train: validation pinball loss %.4f vs %.4f for the no-skill forecast (training quantiles): %s%n",
                    modelLoss, climatology, gain > 0 ? String.format(Locale.ROOT, "%.1f%% better", 100 * gain)
                            : String.format(Locale.ROOT, "%.1f%% WORSE: this model does not beat the no-skill forecast", -100 * gain));
        }
        return 0;
    }

    private ObjectNode provenance(TrainingSet set, TickSeries.Counts counts, Map<String, TickSeries> series, Trainer.FitResult fit,
                                  double modelLoss, double climatology, double seconds) {
        ObjectNode p = JsonNodeFactory.instance.objectNode();
        p.put("created_at", Instant.now().toString());
        p.put("data", data);
        p.putArray("symbols").addAll(series.keySet().stream().map(JsonNodeFactory.instance::textNode).toList());
        p.put("rows", counts.rows).put("accepted", counts.accepted).put("duplicates", counts.duplicates)
                .put("rejected", counts.rejected).put("unparseable", counts.unparseable);
        p.put("data_from", Instant.ofEpochMilli(set.firstTimeMillis).toString());
        p.put("data_to", Instant.ofEpochMilli(set.lastTimeMillis).toString());
        p.put("validation_from", Instant.ofEpochMilli(set.splitTimeMillis).toString());
        p.put("train_ticks", set.trainTicks).put("validation_ticks", set.validationTicks);
        p.put("seed", seed).put("epochs", epochs).put("epochs_run", fit.epochsRun()).put("best_epoch", fit.bestEpoch() + 1);
        p.put("batch", batch).put("window", window).put("learning_rate", learningRate).put("weight_decay", weightDecay)
                .put("clip_norm", clip).put("patience", patience);
        p.put("validation_pinball", modelLoss).put("validation_pinball_no_skill", climatology);
        p.put("training_seconds", seconds);
        p.put("java", System.getProperty("java.version"));
        return p;
    }

    /** Prints a progress line at most every two seconds, and a summary per epoch. */
    private final class Progress implements TrainingListener {
        private long last;

        @Override
        public void onStep(StepInfo s) {
            long now = System.nanoTime();
            if (now - last > 2_000_000_000L || s.step() + 1 == s.stepsInEpoch()) {
                last = now;
                double eta = (s.stepsInEpoch() - s.step() - 1) * (double) batch * window / Math.max(1, s.ticksPerSecond());
                System.err.printf(Locale.ROOT, "  epoch %d/%d  step %d/%d  loss %.4f  lr %.2e  %,.0f ticks/s  epoch ETA %.0f s%n",
                        s.epoch() + 1, epochs, s.step() + 1, s.stepsInEpoch(), s.loss(), s.learningRate(), s.ticksPerSecond(), eta);
            }
        }

        @Override
        public boolean onEpoch(EpochInfo e) {
            System.err.printf(Locale.ROOT, "epoch %d: train %.4f  validation %.4f%s  (%.1f s, %,.0f ticks/s)%n", e.epoch() + 1,
                    e.trainLoss(), e.validationLoss(), e.improved() ? "  best so far" : "", e.elapsedMillis() / 1000.0, e.ticksPerSecond());
            return true;
        }
    }
}
