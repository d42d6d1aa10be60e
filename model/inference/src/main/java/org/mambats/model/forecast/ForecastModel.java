package org.mambats.model.forecast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.mambats.model.calibration.QuantileCalibrator;
import org.mambats.model.features.Horizon;
import org.mambats.model.features.Normalizer;
import org.mambats.model.features.InputScale;
import org.mambats.model.features.TickFeatures;
import org.mambats.model.io.CheckpointFormatException;
import org.mambats.model.mamba.MambaCheckpoint;
import org.mambats.model.tick.TickValidator;
import org.mambats.model.mamba.MambaKernel;
import org.mambats.model.math.VectorKernels;

/**
 * A trained forecaster and everything needed to run it on live ticks: the weights, the feature definition and
 * its normalisation, the horizons and quantiles, the target scales, the elapsed-time option. It lives in a
 * checkpoint directory: the Hugging Face backbone plus the {@code forecaster.*} tensors in
 * {@code model.safetensors}, and a {@code "forecaster"} object in {@code config.json}.
 *
 * <p>Immutable and thread-safe; each thread steps through its own {@link ForecastStepper}.
 */
public final class ForecastModel {
    public static final String CONFIG_KEY = "forecaster";
    /** Bounds of the elapsed-time factor on delta, so a burst or a long gap cannot freeze or wipe the state. */
    public static final float MIN_DELTA_SCALE = 0.1f;
    public static final float MAX_DELTA_SCALE = 10f;

    private final ForecasterWeights weights;
    private final ObjectNode config;
    private final String name;
    private final String version;
    private final List<Horizon> horizons;
    private final float[] quantiles;
    private final float[] targetScale;
    private final Normalizer normalizer;
    private final TickFeatures features;
    private final boolean deltaTimeScaling;
    private final double dtReferenceSeconds;
    private final long outOfOrderGraceMillis;
    private final double volatilityReferenceBps;
    private final InputScale inputScale;
    private final QuantileCalibrator calibrator;
    private final TrainingProvenance provenance;
    final MambaKernel kernel;
    /** The input projection column by column, for {@link VectorKernels#matVecColumns}. */
    final float[] inputWeightT;

    /**
     * @param settings the {@code "forecaster"} object of config.json (see {@link Settings#toJson()})
     */
    public ForecastModel(ForecasterWeights weights, Settings settings, ObjectNode fullConfig, String version) {
        this.weights = weights;
        this.config = fullConfig;
        this.name = settings.name;
        this.version = version;
        this.horizons = List.copyOf(settings.horizons);
        this.quantiles = settings.quantiles.clone();
        this.targetScale = settings.targetScale.clone();
        this.normalizer = new Normalizer(settings.featureMean, settings.featureStd);
        this.features = new TickFeatures(settings.volHalfLifeTicks);
        this.deltaTimeScaling = settings.deltaTimeScaling;
        this.dtReferenceSeconds = settings.dtReferenceSeconds;
        this.outOfOrderGraceMillis = settings.outOfOrderGraceMillis;
        this.volatilityReferenceBps = settings.volatilityReferenceBps;
        this.inputScale = settings.inputScale;
        this.provenance = TrainingProvenance.of(settings.provenance);
        this.calibrator = new QuantileCalibrator(horizons, quantiles, settings.calibrationRate,
                settings.volatilityMixRate, settings.calibrationSlots);
        if (weights.nFeatures() != TickFeatures.COUNT || normalizer.width() != TickFeatures.COUNT) {
            throw new IllegalArgumentException("the forecaster expects " + weights.nFeatures() + " features and "
                    + normalizer.width() + " normalisation entries; this build computes " + TickFeatures.COUNT);
        }
        if (weights.nHorizons() != horizons.size() || targetScale.length != horizons.size()) {
            throw new IllegalArgumentException("head has " + weights.nHorizons() + " horizons, config lists " + horizons.size()
                    + " horizons and " + targetScale.length + " target scales");
        }
        if (weights.nQuantiles() != quantiles.length) {
            throw new IllegalArgumentException("head has " + weights.nQuantiles() + " quantiles, config lists " + quantiles.length);
        }
        this.kernel = MambaKernel.prepare(weights.backbone());
        this.inputWeightT = VectorKernels.transpose(weights.inputWeight,
                weights.backbone().config().dModel(), weights.nFeatures());
    }

    /** The forecaster-specific settings stored under {@value #CONFIG_KEY} in config.json. */
    public static final class Settings {
        public String name = "mamba-forecaster";
        public List<Horizon> horizons = new ArrayList<>();
        public float[] quantiles = Forecast.standardLevels();
        public float[] targetScale;
        public float[] featureMean;
        public float[] featureStd;
        public double volHalfLifeTicks = 50;
        public boolean deltaTimeScaling;
        public double dtReferenceSeconds = 1;
        public long outOfOrderGraceMillis = TickValidator.DEFAULT_GRACE_MILLIS;
        /** The training ticks' RMS of volatility_bps: the unit of the target scale (see VolatilityScale); 0 = fixed. */
        public double volatilityReferenceBps;
        /**
         * Which features the model reads; checkpoints that do not say read the ticks' own ({@link InputScale#ABSOLUTE}),
         * new ones their symbol's scale.
         */
        public InputScale inputScale = InputScale.SYMBOL;
        /** Online calibration (see QuantileCalibrator): the offsets' step per outcome (0 = off), and its ring size. */
        public double calibrationRate = QuantileCalibrator.DEFAULT_RATE;
        public int calibrationSlots = QuantileCalibrator.DEFAULT_SLOTS;
        /** The step of the calibration's blend of the model's volatility scale with the slow one's (0 = off). */
        public double volatilityMixRate = QuantileCalibrator.DEFAULT_MIX_RATE;
        /** Training provenance: data, range, seed, hyper-parameters, metrics; written as given. */
        public ObjectNode provenance = JsonNodeFactory.instance.objectNode();

        public ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("name", name);
            ArrayNode f = o.putArray("features");
            TickFeatures.NAMES.forEach(f::add);
            floats(o.putArray("feature_mean"), featureMean);
            floats(o.putArray("feature_std"), featureStd);
            o.put("vol_half_life_ticks", volHalfLifeTicks);
            ArrayNode h = o.putArray("horizons");
            horizons.forEach(x -> h.add(x.label()));
            floats(o.putArray("quantiles"), quantiles);
            floats(o.putArray("target_scale"), targetScale);
            o.put("volatility_reference_bps", volatilityReferenceBps);
            o.put("input_scale", inputScale.key());
            o.put("calibration_rate", calibrationRate);
            o.put("calibration_slots", calibrationSlots);
            o.put("volatility_mix_rate", volatilityMixRate);
            o.put("delta_time_scaling", deltaTimeScaling);
            o.put("dt_reference_seconds", dtReferenceSeconds);
            o.put("delta_scale_bounds", JsonNodeFactory.instance.arrayNode().add(MIN_DELTA_SCALE).add(MAX_DELTA_SCALE));
            o.put("out_of_order_grace_ms", outOfOrderGraceMillis);
            o.set("provenance", provenance);
            return o;
        }

        public static Settings fromJson(JsonNode o) {
            Settings s = new Settings();
            s.name = o.path("name").asText(s.name);
            List<String> names = new ArrayList<>();
            o.path("features").forEach(n -> names.add(n.asText()));
            if (!names.equals(TickFeatures.NAMES)) {
                throw new IllegalArgumentException("checkpoint features " + names + " differ from this build's " + TickFeatures.NAMES);
            }
            s.featureMean = floats(o, "feature_mean");
            s.featureStd = floats(o, "feature_std");
            s.volHalfLifeTicks = o.path("vol_half_life_ticks").asDouble(s.volHalfLifeTicks);
            s.horizons = new ArrayList<>();
            for (JsonNode h : o.path("horizons")) {
                s.horizons.add(Horizon.parse(h.asText()));
            }
            s.quantiles = floats(o, "quantiles");
            for (int i = 0; i < s.quantiles.length; i++) {
                if (!(s.quantiles[i] > 0 && s.quantiles[i] < 1) || (i > 0 && s.quantiles[i] <= s.quantiles[i - 1])) {
                    throw new IllegalArgumentException("quantiles must be ascending and inside (0, 1): " + o.path("quantiles"));
                }
            }
            s.targetScale = floats(o, "target_scale");
            s.volatilityReferenceBps = o.path("volatility_reference_bps").asDouble(0);
            s.inputScale = InputScale.parse(o.path("input_scale").asText(InputScale.ABSOLUTE.key()));
            s.calibrationRate = o.path("calibration_rate").asDouble(QuantileCalibrator.DEFAULT_RATE);
            s.calibrationSlots = o.path("calibration_slots").asInt(QuantileCalibrator.DEFAULT_SLOTS);
            s.volatilityMixRate = o.path("volatility_mix_rate").asDouble(QuantileCalibrator.DEFAULT_MIX_RATE);
            s.deltaTimeScaling = o.path("delta_time_scaling").asBoolean(false);
            s.dtReferenceSeconds = o.path("dt_reference_seconds").asDouble(1);
            s.outOfOrderGraceMillis = o.path("out_of_order_grace_ms").asLong(TickValidator.DEFAULT_GRACE_MILLIS);
            if (o.path("provenance").isObject()) {
                s.provenance = (ObjectNode) o.get("provenance");
            }
            return s;
        }

        private static void floats(ArrayNode a, float[] v) {
            for (float x : v) {
                a.add(x);
            }
        }

        private static float[] floats(JsonNode o, String key) {
            JsonNode a = o.get(key);
            if (a == null || !a.isArray()) {
                throw new IllegalArgumentException("forecaster config has no array " + key);
            }
            float[] v = new float[a.size()];
            for (int i = 0; i < v.length; i++) {
                if (!a.get(i).isNumber()) {
                    throw new IllegalArgumentException("forecaster config " + key + "[" + i + "] is not a number");
                }
                v[i] = a.get(i).floatValue();
            }
            return v;
        }
    }

    /** Loads a forecaster checkpoint; the version is the first 12 hex digits of the weights file's SHA-256. */
    public static ForecastModel load(Path dir) throws IOException {
        MambaCheckpoint ckpt = MambaCheckpoint.load(dir);
        JsonNode fc = ckpt.config().get(CONFIG_KEY);
        if (fc == null || !fc.isObject()) {
            throw new CheckpointFormatException(dir + " is a plain Mamba backbone: its config.json has no \"" + CONFIG_KEY
                    + "\" section (train one with ./mamba-ts train)");
        }
        Settings settings;
        try {
            settings = Settings.fromJson(fc);
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(dir.resolve(MambaCheckpoint.CONFIG_FILE) + ": " + e.getMessage(), e);
        }
        ForecasterWeights w = ForecasterWeights.fromCheckpoint(ckpt, settings.horizons.size(), settings.quantiles.length);
        String version = sha256Prefix(Files.readAllBytes(dir.resolve(MambaCheckpoint.WEIGHTS_FILE)));
        try {
            return new ForecastModel(w, settings, ckpt.config(), version);
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(dir + ": " + e.getMessage(), e);
        }
    }

    /** Writes the checkpoint directory: backbone + forecaster tensors, config.json with the settings. */
    public static void save(Path dir, ForecasterWeights weights, Settings settings) throws IOException {
        ObjectNode config = weights.config().toJson();
        config.set(CONFIG_KEY, settings.toJson());
        weights.toCheckpoint(config).save(dir);
    }

    static String sha256Prefix(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs the whole per-tick path {@code ticks} times on synthetic ticks and a scratch state, and throws the
     * results away. Why: until the JIT has compiled the step, the Vector API runs its portable Java fallback,
     * which is one to two orders of magnitude slower; a stream that starts cold would answer its first few
     * thousand ticks late. A few hundred milliseconds at start-up buy steady latency from the first real tick.
     *
     * @return milliseconds spent
     */
    public long warmUp(int ticks) {
        long start = System.nanoTime();
        ForecastStepper stepper = newStepper();
        SymbolState state = newState();
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(1);
        double price = 100;
        long time = 1_700_000_000_000L;
        for (int i = 0; i < ticks; i++) {
            price *= Math.exp(1e-4 * rnd.nextGaussian());
            time += 1 + rnd.nextInt(2000);
            stepper.process(org.mambats.model.tick.Tick.trade("warm-up", time, price, 1 + rnd.nextInt(5), i), state);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    public ForecastStepper newStepper() {
        return new ForecastStepper(this);
    }

    public SymbolState newState() {
        return new SymbolState(weights.config(), calibrator);
    }

    public ForecasterWeights weights() {
        return weights;
    }

    public ObjectNode config() {
        return config;
    }

    /** What the checkpoint says of its training that code reads: the data's range and the verdict. */
    public TrainingProvenance provenance() {
        return provenance;
    }

    public String name() {
        return name;
    }

    public String version() {
        return version;
    }

    public List<Horizon> horizons() {
        return horizons;
    }

    public float[] quantiles() {
        return quantiles.clone();
    }

    public int nOutputs() {
        return horizons.size() * quantiles.length;
    }

    float[] targetScale() {
        return targetScale;
    }

    /** The training ticks' RMS of volatility_bps (0 for a fixed target scale). */
    /** Which features the model reads. */
    public InputScale inputScale() {
        return inputScale;
    }

    public double volatilityReferenceBps() {
        return volatilityReferenceBps;
    }

    public QuantileCalibrator calibrator() {
        return calibrator;
    }

    Normalizer normalizer() {
        return normalizer;
    }

    TickFeatures features() {
        return features;
    }

    public boolean deltaTimeScaling() {
        return deltaTimeScaling;
    }

    public double dtReferenceSeconds() {
        return dtReferenceSeconds;
    }

    public long outOfOrderGraceMillis() {
        return outOfOrderGraceMillis;
    }

    /** The factor on delta for a tick that arrives {@code elapsedSeconds} after the previous one. */
    public float deltaScale(double elapsedSeconds) {
        return deltaScale(deltaTimeScaling, dtReferenceSeconds, elapsedSeconds);
    }

    /**
     * Elapsed-time scaling of delta: elapsed / reference, bounded to [{@value #MIN_DELTA_SCALE},
     * {@value #MAX_DELTA_SCALE}], or 1 when the option is off. Training and the stepper both call this.
     */
    public static float deltaScale(boolean enabled, double dtReferenceSeconds, double elapsedSeconds) {
        if (!enabled) {
            return 1f;
        }
        double g = elapsedSeconds / dtReferenceSeconds;
        return (float) Math.max(MIN_DELTA_SCALE, Math.min(MAX_DELTA_SCALE, g));
    }
}
