package org.mambats.model.forecast;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.mambats.model.io.CheckpointFormatException;
import org.mambats.model.mamba.MambaCheckpoint;
import org.mambats.model.io.Tensor;
import org.mambats.model.mamba.MambaConfig;
import org.mambats.model.mamba.MambaLayerWeights;
import org.mambats.model.mamba.MambaWeights;

/**
 * All parameters of the forecaster: tick features -> input projection -> Mamba backbone -> head.
 *
 * <pre>
 *   h0_t  = W_in f_t + b_in                          forecaster.input_proj.weight [D, F], .bias [D]
 *   y_t   = backbone(h0)_t (after norm_f)             Hugging Face names, see MambaWeights.toTensors("")
 *   raw_t = W_head y_t + b_head                       forecaster.head.weight [H*Q, D], .bias [H*Q]
 *   q_{h,0} = raw_{h,0};  q_{h,j} = q_{h,j-1} + softplus(raw_{h,j})     (index h*Q + j, quantiles ascending)
 * </pre>
 *
 * The arrays are live (no defensive copies): the trainer updates them in place. The forecaster tensors travel in a
 * {@link MambaCheckpoint} as extra tensors, so a checkpoint stays loadable as a plain Hugging Face backbone.
 */
public final class ForecasterWeights {
    public static final String INPUT_WEIGHT = "forecaster.input_proj.weight";
    public static final String INPUT_BIAS = "forecaster.input_proj.bias";
    public static final String HEAD_WEIGHT = "forecaster.head.weight";
    public static final String HEAD_BIAS = "forecaster.head.bias";

    private final MambaWeights backbone;
    private final int nFeatures;
    private final int nHorizons;
    private final int nQuantiles;
    /** forecaster.input_proj.weight [D, F] */
    public final float[] inputWeight;
    /** forecaster.input_proj.bias [D] */
    public final float[] inputBias;
    /** forecaster.head.weight [H*Q, D] */
    public final float[] headWeight;
    /** forecaster.head.bias [H*Q] */
    public final float[] headBias;

    public ForecasterWeights(MambaWeights backbone, int nFeatures, int nHorizons, int nQuantiles,
                             float[] inputWeight, float[] inputBias, float[] headWeight, float[] headBias) {
        if (nFeatures <= 0 || nHorizons <= 0 || nQuantiles <= 0) {
            throw new IllegalArgumentException("features, horizons and quantiles must be positive, got "
                    + nFeatures + ", " + nHorizons + ", " + nQuantiles);
        }
        int d = backbone.config().dModel();
        int out = nHorizons * nQuantiles;
        check(inputWeight, d * nFeatures, INPUT_WEIGHT);
        check(inputBias, d, INPUT_BIAS);
        check(headWeight, out * d, HEAD_WEIGHT);
        check(headBias, out, HEAD_BIAS);
        this.backbone = backbone;
        this.nFeatures = nFeatures;
        this.nHorizons = nHorizons;
        this.nQuantiles = nQuantiles;
        this.inputWeight = inputWeight;
        this.inputBias = inputBias;
        this.headWeight = headWeight;
        this.headBias = headBias;
    }

    private static void check(float[] a, int n, String name) {
        if (a == null || a.length != n) {
            throw new IllegalArgumentException(name + " needs " + n + " values, got " + (a == null ? "null" : a.length));
        }
    }

    /**
     * Reference initialisation: the backbone by {@link MambaWeights#initialize(MambaConfig, long)}, the input
     * projection and the head as PyTorch's {@code nn.Linear} default (uniform +-1/sqrt(fan_in)), all from
     * {@code seed}.
     */
    public static ForecasterWeights initialize(MambaConfig config, int nFeatures, int nHorizons, int nQuantiles, long seed) {
        MambaWeights backbone = MambaWeights.initialize(config, seed);
        ForecasterWeights w = zeros(backbone, nFeatures, nHorizons, nQuantiles);
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL * 31 + 0x3C6EF372L);
        uniform(rnd, w.inputWeight, 1 / Math.sqrt(nFeatures));
        uniform(rnd, w.inputBias, 1 / Math.sqrt(nFeatures));
        int d = config.dModel();
        uniform(rnd, w.headWeight, 1 / Math.sqrt(d));
        uniform(rnd, w.headBias, 1 / Math.sqrt(d));
        return w;
    }

    /**
     * Makes the head forecast {@code quantiles} (horizon-major, ascending per horizon, in the targets' normalised
     * units) whatever the backbone says: zero head weights, and biases that the head's cumulative softplus turns into
     * exactly these values. Training then learns a correction on top of this forecast, starting from none, and
     * weight decay on the head pulls it back toward it.
     */
    public void startAt(float[] quantiles) {
        check(quantiles, nHorizons * nQuantiles, "start quantiles");
        java.util.Arrays.fill(headWeight, 0f);
        for (int h = 0; h < nHorizons; h++) {
            int base = h * nQuantiles;
            headBias[base] = quantiles[base];
            for (int j = 1; j < nQuantiles; j++) {
                double gap = Math.max(1e-4, quantiles[base + j] - quantiles[base + j - 1]);
                headBias[base + j] = (float) (gap > 20 ? gap : Math.log(Math.expm1(gap))); // softplus^-1
            }
        }
    }

    /** Copies horizon {@code h}'s head rows (weights and biases) from {@code other}, of the same shapes. */
    public void headRowsFrom(ForecasterWeights other, int h) {
        int d = config().dModel();
        check(other.headWeight, headWeight.length, HEAD_WEIGHT);
        System.arraycopy(other.headWeight, h * nQuantiles * d, headWeight, h * nQuantiles * d, nQuantiles * d);
        System.arraycopy(other.headBias, h * nQuantiles, headBias, h * nQuantiles, nQuantiles);
    }

    /** Zero forecaster parameters around the given backbone. */
    public static ForecasterWeights zeros(MambaWeights backbone, int nFeatures, int nHorizons, int nQuantiles) {
        int d = backbone.config().dModel();
        int out = nHorizons * nQuantiles;
        return new ForecasterWeights(backbone, nFeatures, nHorizons, nQuantiles,
                new float[d * nFeatures], new float[d], new float[out * d], new float[out]);
    }

    /** All-zero parameters of the same shapes (used as a gradient container). */
    public ForecasterWeights zerosLike() {
        MambaLayerWeights[] layers = new MambaLayerWeights[config().nLayers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = MambaLayerWeights.zeros(config());
        }
        MambaWeights b = new MambaWeights(config(), layers, new float[config().dModel()]);
        return zeros(b, nFeatures, nHorizons, nQuantiles);
    }

    private static void uniform(SplittableRandom rnd, float[] a, double bound) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        }
    }

    public MambaWeights backbone() {
        return backbone;
    }

    public MambaConfig config() {
        return backbone.config();
    }

    public int nFeatures() {
        return nFeatures;
    }

    public int nHorizons() {
        return nHorizons;
    }

    public int nQuantiles() {
        return nQuantiles;
    }

    /** H * Q, the width of the head. */
    public int nOutputs() {
        return nHorizons * nQuantiles;
    }

    /** The four forecaster tensors (live arrays), in a fixed order. */
    public Map<String, Tensor> forecasterTensors() {
        int d = config().dModel();
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put(INPUT_WEIGHT, new Tensor(new int[] {d, nFeatures}, inputWeight));
        out.put(INPUT_BIAS, new Tensor(new int[] {d}, inputBias));
        out.put(HEAD_WEIGHT, new Tensor(new int[] {nOutputs(), d}, headWeight));
        out.put(HEAD_BIAS, new Tensor(new int[] {nOutputs()}, headBias));
        return out;
    }

    /**
     * Every parameter tensor (live arrays): the backbone under Hugging Face names ({@code layers.i...},
     * {@code norm_f.weight}), then the forecaster's. This order is the canonical flattening order.
     */
    public Map<String, Tensor> toTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>(backbone.toTensors(""));
        out.putAll(forecasterTensors());
        return out;
    }

    /** The parameter arrays in {@link #toTensors()} order. */
    public List<float[]> parameterArrays() {
        List<float[]> out = new ArrayList<>();
        for (Tensor t : toTensors().values()) {
            out.add(t.data());
        }
        return out;
    }

    /** Total number of parameters. */
    public int parameterCount() {
        int n = 0;
        for (float[] a : parameterArrays()) {
            n += a.length;
        }
        return n;
    }

    /** Copies all parameters into one flat array in canonical order. */
    public float[] flatten() {
        float[] out = new float[parameterCount()];
        int o = 0;
        for (float[] a : parameterArrays()) {
            System.arraycopy(a, 0, out, o, a.length);
            o += a.length;
        }
        return out;
    }

    /** Overwrites all parameters from a flat array in canonical order. */
    public void unflatten(float[] flat) {
        if (flat.length != parameterCount()) {
            throw new IllegalArgumentException("need " + parameterCount() + " values, got " + flat.length);
        }
        int o = 0;
        for (float[] a : parameterArrays()) {
            System.arraycopy(flat, o, a, 0, a.length);
            o += a.length;
        }
    }

    /**
     * Builds the forecaster from a tensor map holding the backbone (under {@code layers.} or {@code backbone.layers.})
     * and the four forecaster tensors. The number of features is read from the input projection's shape; the head
     * width must equal {@code nHorizons * nQuantiles}.
     */
    public static ForecasterWeights fromTensors(MambaConfig config, Map<String, Tensor> tensors, int nHorizons,
                                                int nQuantiles) throws CheckpointFormatException {
        MambaWeights backbone = MambaWeights.fromTensors(config, tensors);
        return fromParts(backbone, tensors, nHorizons, nQuantiles);
    }

    /** The forecaster of a checkpoint: its backbone plus the forecaster tensors among its extra tensors. */
    public static ForecasterWeights fromCheckpoint(MambaCheckpoint checkpoint, int nHorizons, int nQuantiles)
            throws CheckpointFormatException {
        return fromParts(checkpoint.weights(), checkpoint.extraTensors(), nHorizons, nQuantiles);
    }

    private static ForecasterWeights fromParts(MambaWeights backbone, Map<String, Tensor> tensors, int nHorizons,
                                               int nQuantiles) throws CheckpointFormatException {
        int d = backbone.config().dModel();
        Tensor in = tensors.get(INPUT_WEIGHT);
        if (in == null) {
            throw new CheckpointFormatException("missing tensor " + INPUT_WEIGHT);
        }
        if (in.shape().length != 2 || in.shape()[0] != d || in.shape()[1] <= 0) {
            throw new CheckpointFormatException("tensor " + INPUT_WEIGHT + " has shape " + in.shapeString()
                    + ", expected [" + d + ", features]");
        }
        if (nHorizons <= 0 || nQuantiles <= 0) {
            throw new CheckpointFormatException("horizons and quantiles must be positive, got " + nHorizons + ", " + nQuantiles);
        }
        int f = in.shape()[1];
        int out = nHorizons * nQuantiles;
        return new ForecasterWeights(backbone, f, nHorizons, nQuantiles,
                take(tensors, INPUT_WEIGHT, d, f), take(tensors, INPUT_BIAS, d),
                take(tensors, HEAD_WEIGHT, out, d), take(tensors, HEAD_BIAS, out));
    }

    private static float[] take(Map<String, Tensor> tensors, String name, int... shape) throws CheckpointFormatException {
        return Tensor.take(tensors, name, shape);
    }

    /**
     * A checkpoint holding the backbone and, as extra tensors, the forecaster tensors. {@code config} (may be null)
     * supplies the extra config.json keys (features, horizons, normalisation...); the backbone keys are refreshed
     * on save.
     */
    public MambaCheckpoint toCheckpoint(ObjectNode config) {
        ObjectNode json = config == null ? config().toJson() : config.deepCopy();
        return new MambaCheckpoint(json, backbone, forecasterTensors());
    }

    /** A deep copy. */
    public ForecasterWeights copy() {
        return new ForecasterWeights(backbone.copy(), nFeatures, nHorizons, nQuantiles, inputWeight.clone(),
                inputBias.clone(), headWeight.clone(), headBias.clone());
    }
}
