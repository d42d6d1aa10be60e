package org.mambats.model.train;

import org.mambats.model.calibration.QuantileCalibrator;
import org.mambats.model.forecast.ForecasterWeights;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.features.Horizon;
import org.mambats.model.features.TickFeatures;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.forecast.TrainingProvenance;
import org.mambats.model.mamba.MambaConfig;

/**
 * Everything that decides how one forecaster is trained: what it forecasts (horizons, quantiles), the backbone's
 * shape, the optimiser, the features, the seed. {@code ./mamba-ts train} and every fold of a walk-forward backtest
 * train through {@link #fitAndSave}, so a fold trains exactly what {@code train} would with the same options, and
 * each checkpoint records the recipe in its provenance. Defaults are those of {@code train}.
 */
public final class TrainingRecipe implements Cloneable {
    /** The default quantile levels as the command line writes them (a constant, so picocli can show it). */
    public static final String DEFAULT_QUANTILES = "0.1,0.5,0.9";
    /** The default backbone: D = 64, two layers, the reference's N, expand and K. */
    private static final MambaConfig BACKBONE = MambaConfig.of(64, 2);
    private static final TrainerConfig OPTIMISER = TrainerConfig.defaults();

    public String horizons = DataDefaults.TRADE_HORIZONS;
    public float[] quantiles = parseQuantiles(DEFAULT_QUANTILES);
    // The backbone's and the optimiser's defaults are the ones MambaConfig and TrainerConfig declare.
    public int dModel = BACKBONE.dModel();
    public int layers = BACKBONE.nLayers();
    public int dState = BACKBONE.dState();
    public int expand = BACKBONE.expand();
    public int dConv = BACKBONE.dConv();
    /**
     * The state matrix tied to A[e][n] = -(n+1) a[e] ({@link MambaConfig#tiedDecays}): one exponential per channel
     * in the step instead of N. The default; false trains Mamba's free A, for comparison.
     */
    public boolean tiedDecays = true;
    public int epochs = OPTIMISER.epochs();
    public int patience = OPTIMISER.patience();
    public int batch = OPTIMISER.batchSize();
    public int window = OPTIMISER.windowLength();
    public double learningRate = OPTIMISER.learningRate();
    public double weightDecay = OPTIMISER.weightDecay();
    public double clip = OPTIMISER.clipNorm();
    /** Fraction of the data's time range, at its end, held out for validation and early stopping. */
    public double validationFraction = 0.2;
    public boolean deltaTimeScaling;
    public double volHalfLife = DataDefaults.TRADE_VOL_HALF_LIFE;
    public long graceMillis = org.mambats.model.tick.TickValidator.DEFAULT_GRACE_MILLIS;
    public long seed = OPTIMISER.seed();
    /** Options to choose from the data ({@link DataDefaults}) because the user did not give them. */
    public static final String HORIZONS = "horizons", WINDOW = "window", BATCH = "batch", VOL_HALF_LIFE = "vol_half_life";
    public final java.util.Set<String> fromData = new java.util.LinkedHashSet<>();
    /** Targets in units of the running volatility (see VolatilityScale); false for the fixed scale alone. */
    public boolean volatilityScaling = true;
    /** Which features the model reads: in each symbol's own scale (the default), or the ticks' own numbers. */
    public org.mambats.model.features.InputScale inputScale = org.mambats.model.features.InputScale.SYMBOL;
    /** The head starts at the baseline forecast and learns a correction; false for the reference initialisation. */
    public boolean startFromBaseline = true;
    /** Online calibration's step per outcome (0 = off) and ring size, see QuantileCalibrator. */
    public double calibrationRate = QuantileCalibrator.DEFAULT_RATE;
    public int calibrationSlots = QuantileCalibrator.DEFAULT_SLOTS;
    /** The calibration's step for blending the model's volatility scale with the slow one's (0 = off). */
    public double volatilityMixRate = QuantileCalibrator.DEFAULT_MIX_RATE;
    /** Training threads; null: all cores. The result does not depend on it. */
    public Integer threads;
    /**
     * The levels among 0.1, 0.5 and 0.9 that {@code quantiles} lacks ("0.1, 0.9"), or null if it has all three: the
     * stored forecasts' q10/q50/q90 columns, the error views and the dashboard use those three.
     */
    public static String missingDashboardLevels(float[] quantiles) {
        StringBuilder missing = new StringBuilder();
        for (float level : org.mambats.model.forecast.Forecast.standardLevels()) {
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

    /** The backbone {@code train} makes when given no shape options; the benchmarks measure it. */
    public static MambaConfig defaultBackbone() {
        return new TrainingRecipe().backbone();
    }

    /** The backbone: dt_rank ceil(D/16), inner width expand * D, as in the reference Mamba. */
    public MambaConfig backbone() {
        return MambaConfig.of(dModel, layers, dState, expand, dConv).withTiedDecays(tiedDecays);
    }

    /** This recipe with {@code threads} training threads (which do not change the result), for training on a worker. */
    public TrainingRecipe withThreads(int threads) {
        try {
            TrainingRecipe r = (TrainingRecipe) super.clone();
            r.threads = threads;
            return r;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    public TrainerConfig trainerConfig() {
        return OPTIMISER.with(b -> {
            b.epochs = epochs;
            b.batchSize = batch;
            b.windowLength = window;
            b.learningRate = learningRate;
            b.weightDecay = weightDecay;
            b.clipNorm = clip;
            b.patience = patience;
            b.seed = seed;
            b.quantileLevels = quantiles;
            if (threads != null) {
                b.threads = threads;
            }
        });
    }

    /** Cuts {@code series} into training and validation sequences the way this recipe trains on them. */
    public TrainingSet trainingSet(Collection<TickSeries> series) {
        return new TrainingSet(series, horizonList(), quantiles, validationFraction, deltaTimeScaling, volatilityScaling, inputScale);
    }

    /**
     * What a fit came to: the trainer's account, and the validation loss next to the baseline's
     * ({@link TrainingSet#baseline}: the EWMA-volatility forecast, centred on no change). {@code keptBaseline} when
     * {@link ValidationGuard} did not support the trained model, so the checkpoint is the baseline itself; {@code guard}
     * says why.
     */
    public record Fitted(Trainer.FitResult fit, double validationPinball, double noSkillPinball, boolean keptBaseline,
                         List<String> baselineHorizons, String guard, double seconds) {
        /** The fit in plain words ({@link TrainingRecipe#verdict}), as the checkpoint's provenance records it. */
        public String verdict() {
            return TrainingRecipe.verdict(!Double.isNaN(validationPinball), keptBaseline, validationPinball, noSkillPinball)
                    + (keptBaseline || baselineHorizons.isEmpty() ? "" : "; at " + String.join(", ", baselineHorizons) + " it forecasts that baseline");
        }
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
        double noSkill = set.baselineLoss(set.validation, quantiles);
        ForecasterWeights initial = ForecasterWeights.initialize(backbone(), TickFeatures.COUNT, horizonList.size(),
                quantiles.length, seed);
        if (startFromBaseline) {
            initial.startAt(set.baseline);
        }
        try (Trainer trainer = new Trainer(initial, trainerConfig())) {
            boolean validated = !set.validation.isEmpty();
            float[] baselineParams = trainer.weights().flatten();
            Trainer.FitResult fit = trainer.fit(set.train, set.validation, listener);
            double[][] perTick = new double[set.validation.size()][];
            double loss = validated ? trainer.evaluate(set.validation, perTick).mean() : Double.NaN;
            // The guard: a model that validation does not show to beat its starting point is not shipped as skill.
            ValidationGuard.Result guard = validated
                    ? ValidationGuard.test(perTick, set.baselinePerTick(set.validation, quantiles), set.validation,
                            set.longestHorizonTicks(horizonList))
                    : null;
            boolean keptBaseline = startFromBaseline && guard != null && !guard.supported();
            // The guard per horizon: a model the pooled test admits can still be worse than the baseline at some
            // horizons (it helps the longest and costs the short ones). Each horizon is tested alone, in blocks of
            // its own length, at the same level; where validation does not support the model, that horizon gets the
            // baseline's head rows back, which forecast exactly the baseline there, whatever the backbone says.
            List<String> baselineHorizons = new ArrayList<>(), perHorizon = new ArrayList<>();
            if (startFromBaseline && guard != null && guard.supported() && horizonList.size() > 1) {
                ForecasterWeights startingPoint = trainer.weights().zerosLike();
                startingPoint.unflatten(baselineParams);
                ForecasterWeights now = trainer.weights();
                for (int j = 0; j < horizonList.size(); j++) {
                    List<TrainingSequence> only = TrainingSet.onlyHorizon(set.validation, j);
                    double[][] modelLoss = new double[only.size()][];
                    trainer.evaluate(only, modelLoss);
                    ValidationGuard.Result gj = ValidationGuard.test(modelLoss, set.baselinePerTick(only, quantiles), only,
                            set.longestHorizonTicks(List.of(horizonList.get(j))));
                    perHorizon.add(String.format(java.util.Locale.ROOT, "%s %.2f", horizonList.get(j).label(), gj.statistic()));
                    if (!gj.supported()) {
                        baselineHorizons.add(horizonList.get(j).label());
                        now.headRowsFrom(startingPoint, j);
                    }
                }
                if (baselineHorizons.size() == horizonList.size()) {
                    keptBaseline = true;
                } else if (!baselineHorizons.isEmpty()) {
                    trainer.setParameters(now.flatten());
                    loss = trainer.evaluate(set.validation, null).mean();
                }
            }
            if (keptBaseline) {
                // The starting weights forecast the baseline exactly, so their validation loss is the baseline's.
                trainer.setParameters(baselineParams);
                loss = noSkill;
            }
            double seconds = (System.nanoTime() - start) / 1e9;

            ForecastModel.Settings settings = set.checkpointSettings();
            settings.name = name;
            settings.volHalfLifeTicks = volHalfLife;
            settings.calibrationRate = calibrationRate;
            settings.calibrationSlots = calibrationSlots;
            settings.volatilityMixRate = volatilityMixRate;
            settings.outOfOrderGraceMillis = graceMillis;
            ObjectNode p = provenance.deepCopy();
            p.put("created_at", Instant.now().toString());
            p.put(TrainingProvenance.DATA_FROM, Instant.ofEpochMilli(set.firstTimeMillis).toString());
            p.put(TrainingProvenance.DATA_TO, Instant.ofEpochMilli(set.lastTimeMillis).toString());
            p.put("validation_from", Instant.ofEpochMilli(set.splitTimeMillis).toString());
            p.put("train_ticks", set.trainTicks).put("validation_ticks", set.validationTicks);
            com.fasterxml.jackson.databind.node.ArrayNode perSymbol = p.putArray("symbol_data");
            for (TrainingSet.SymbolPart sp : set.symbols) {
                perSymbol.addObject().put("symbol", sp.symbol()).put("train_ticks", sp.trainTicks()).put("validation_ticks", sp.validationTicks())
                        .put("from", Instant.ofEpochMilli(sp.fromMillis()).toString()).put("to", Instant.ofEpochMilli(sp.toMillis()).toString())
                        .put("weight_per_tick", sp.weight());
            }
            p.setAll(toJson());
            p.put("epochs_run", fit.epochsRun()).put("best_epoch", fit.bestEpoch() + 1);
            putFinite(p, "validation_pinball", loss);
            putFinite(p, "validation_pinball_no_skill", noSkill);
            putFinite(p, "validation_skill_vs_baseline", validated ? 1 - loss / noSkill : Double.NaN);
            p.put("kept_baseline", keptBaseline);
            String guardWords = guard == null ? null : guard.words() + (perHorizon.isEmpty() ? "" : "; per horizon t = " + String.join(", ", perHorizon))
                    + (baselineHorizons.isEmpty() ? "" : keptBaseline ? "; no horizon better on its own at one-sided 5%"
                    : "; baseline kept at " + String.join(", ", baselineHorizons) + " (not better there at one-sided 5%)");
            if (guard != null) {
                p.put("guard", guardWords);
            }
            baselineHorizons.forEach(p.putArray("baseline_horizons")::add);
            Fitted fitted = new Fitted(fit, loss, noSkill, keptBaseline, List.copyOf(baselineHorizons), guardWords, seconds);
            p.put(TrainingProvenance.VERDICT, fitted.verdict());
            p.put("training_seconds", seconds);
            p.put("java", System.getProperty("java.version"));
            settings.provenance = p;
            ForecastModel.save(dir, trainer.weights(), settings);
            return fitted;
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
        o.put("tied_decays", tiedDecays);
        o.put("epochs", epochs).put("patience", patience).put("batch", batch).put("window", window);
        o.put("learning_rate", learningRate).put("weight_decay", weightDecay).put("clip_norm", clip);
        o.put("validation_fraction", validationFraction).put("delta_time_scaling", deltaTimeScaling);
        o.put("vol_half_life_ticks", volHalfLife).put("grace_ms", graceMillis).put("seed", seed);
        o.put("volatility_scaling", volatilityScaling).put("start_from_baseline", startFromBaseline);
        o.put("input_scale", inputScale.key());
        o.put("calibration_rate", calibrationRate).put("calibration_slots", calibrationSlots);
        o.put("volatility_mix_rate", volatilityMixRate);
        return o;
    }

    /** The fit's result in plain words, as train prints it and the checkpoint (and the dashboard's model line) carry it. */
    public static String verdict(boolean validated, boolean keptBaseline, double loss, double baselineLoss) {
        if (!validated) {
            return "not validated (no validation data): its skill is unknown";
        }
        if (keptBaseline) {
            return "does not beat the EWMA-volatility baseline on validation: the checkpoint is that baseline";
        }
        double gain = 1 - loss / baselineLoss;
        if (!(gain > 0)) {
            return String.format(java.util.Locale.ROOT, "does NOT beat the EWMA-volatility baseline on validation: %.1f%% worse pinball",
                    -100 * gain);
        }
        return String.format(java.util.Locale.ROOT, "beats the EWMA-volatility baseline on validation by %.1f%% pinball", 100 * gain);
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
