package org.mambats.model.train;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.dataset.TrainingSet;
import org.mambats.model.features.Horizon;
import org.mambats.model.features.TickFeatures;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.mamba.MambaConfig;

/**
 * Everything that decides how one forecaster is trained: what it forecasts (horizons, quantiles), the backbone's
 * shape, the optimiser, the features, the seed. {@code ./mamba-ts train} and every fold of a walk-forward backtest
 * train through {@link #fitAndSave}, so a fold trains exactly what {@code train} would with the same options, and
 * each checkpoint records the recipe in its provenance. Defaults are those of {@code train}.
 */
public final class TrainingRecipe {
    /** The default quantile levels as the command line writes them (a constant, so picocli can show it). */
    public static final String DEFAULT_QUANTILES = "0.1,0.5,0.9";

    public String horizons = "1tick,10s,60s,300s";
    public float[] quantiles = parseQuantiles(DEFAULT_QUANTILES);
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
    /** Fraction of the data's time range, at its end, held out for validation and early stopping. */
    public double validationFraction = 0.2;
    public boolean deltaTimeScaling;
    public double volHalfLife = 50;
    public long graceMillis = 2000;
    public long seed = 42;
    /** Training threads; null: all cores. The result does not depend on it. */
    public Integer threads;
    /**
     * The levels among 0.1, 0.5 and 0.9 that {@code quantiles} lacks ("0.1, 0.9"), or null if it has all three: the
     * stored forecasts' q10/q50/q90 columns, the error views and the dashboard use those three.
     */
    public static String missingDashboardLevels(float[] quantiles) {
        StringBuilder missing = new StringBuilder();
        for (float level : new float[] {0.1f, 0.5f, 0.9f}) {
            boolean has = false;
            for (float q : quantiles) {
                has |= q == level;
            }
            if (!has) {
                missing.append(missing.length() == 0 ? "" : ", ").append(level);
            }
        }
        return missing.length() == 0 ? null : missing.toString();
    }

    /** The model name every forecast of the checkpoint carries. */
    public String name = "mamba-forecaster";

    public static float[] parseQuantiles(String text) {
        String[] parts = text.split(",");
        float[] q = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            q[i] = Float.parseFloat(parts[i].trim());
        }
        return q;
    }

    public List<Horizon> horizonList() {
        return Horizon.parseList(horizons);
    }

    /** The backbone: dt_rank ceil(D/16), inner width expand * D, as in the reference Mamba. */
    public MambaConfig backbone() {
        return new MambaConfig(dModel, layers, dState, expand, expand * dModel, dConv, (dModel + 15) / 16, 1e-5f, true, false);
    }

    public TrainerConfig trainerConfig() {
        TrainerConfig c = TrainerConfig.defaults().epochs(epochs).batchSize(batch).windowLength(window).learningRate(learningRate)
                .weightDecay(weightDecay).clipNorm(clip).patience(patience).seed(seed).quantileLevels(quantiles);
        if (threads != null) {
            c.threads(threads);
        }
        return c;
    }

    /** Cuts {@code series} into training and validation sequences the way this recipe trains on them. */
    public TrainingSet trainingSet(Collection<TickSeries> series) {
        return new TrainingSet(series, horizonList(), quantiles, validationFraction, deltaTimeScaling);
    }

    /** What a fit came to: the trainer's account, and the validation loss next to the no-skill forecast's. */
    public record Fitted(Trainer.FitResult fit, double validationPinball, double noSkillPinball, double seconds) {
    }

    /**
     * Trains a forecaster on {@code set} (made by {@link #trainingSet}) and writes its checkpoint to {@code dir}.
     *
     * @param provenance what the caller knows of the data (file, symbols, counts, who trained it); the recipe, the
     *                   data's range and the fit's figures are added to it, and it is saved with the checkpoint
     */
    public Fitted fitAndSave(TrainingSet set, Path dir, TrainingListener listener, ObjectNode provenance) throws IOException {
        long start = System.nanoTime();
        List<Horizon> horizonList = horizonList();
        double noSkill = set.climatologyLoss(set.validation, quantiles);
        try (Trainer trainer = Trainer.create(backbone(), TickFeatures.COUNT, horizonList.size(), trainerConfig())) {
            Trainer.FitResult fit = trainer.fit(set.train, set.validation, listener);
            double loss = set.validation.isEmpty() ? Double.NaN : trainer.evaluate(set.validation).mean();
            double seconds = (System.nanoTime() - start) / 1e9;

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
            ObjectNode p = provenance.deepCopy();
            p.put("created_at", Instant.now().toString());
            p.put("data_from", Instant.ofEpochMilli(set.firstTimeMillis).toString());
            p.put("data_to", Instant.ofEpochMilli(set.lastTimeMillis).toString());
            p.put("validation_from", Instant.ofEpochMilli(set.splitTimeMillis).toString());
            p.put("train_ticks", set.trainTicks).put("validation_ticks", set.validationTicks);
            p.setAll(toJson());
            p.put("epochs_run", fit.epochsRun()).put("best_epoch", fit.bestEpoch() + 1);
            putFinite(p, "validation_pinball", loss);
            putFinite(p, "validation_pinball_no_skill", noSkill);
            p.put("training_seconds", seconds);
            p.put("java", System.getProperty("java.version"));
            settings.provenance = p;
            ForecastModel.save(dir, trainer.weights(), settings);
            return new Fitted(fit, loss, noSkill, seconds);
        }
    }

    /** The recipe as recorded in checkpoints and backtest reports. */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("name", name);
        o.put("horizons", horizons);
        ArrayNode q = o.putArray("quantiles");
        for (float v : quantiles) {
            q.add(v);
        }
        o.put("d_model", dModel).put("layers", layers).put("d_state", dState).put("expand", expand).put("d_conv", dConv);
        o.put("epochs", epochs).put("patience", patience).put("batch", batch).put("window", window);
        o.put("learning_rate", learningRate).put("weight_decay", weightDecay).put("clip_norm", clip);
        o.put("validation_fraction", validationFraction).put("delta_time_scaling", deltaTimeScaling);
        o.put("vol_half_life_ticks", volHalfLife).put("grace_ms", graceMillis).put("seed", seed);
        return o;
    }

    /** NaN (no validation data) is written as null: JSON has no NaN. */
    private static void putFinite(ObjectNode o, String field, double v) {
        if (Double.isFinite(v)) {
            o.put(field, v);
        } else {
            o.putNull(field);
        }
    }
}
