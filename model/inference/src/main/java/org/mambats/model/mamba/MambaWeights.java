package org.mambats.model.mamba;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.mambats.model.io.CheckpointFormatException;
import org.mambats.model.io.Tensor;

/** All parameters of a Mamba backbone: the layers and the final RMSNorm weight. */
public final class MambaWeights {
    private final MambaConfig config;
    private final MambaLayerWeights[] layers;
    /** norm_f.weight [D] */
    private final float[] normF;

    public MambaWeights(MambaConfig config, MambaLayerWeights[] layers, float[] normF) {
        if (layers.length != config.nLayers()) {
            throw new IllegalArgumentException("config has " + config.nLayers() + " layers, weights have " + layers.length);
        }
        this.config = config;
        this.layers = layers.clone();
        this.normF = normF;
    }

    public MambaConfig config() {
        return config;
    }

    public MambaLayerWeights layer(int i) {
        return layers[i];
    }

    public float[] normF() {
        return normF;
    }

    /**
     * The reference initialisation ({@code docs/ARCHITECTURE.md}, "Facts the code relies on"): A_log[e,n] = log(n+1), D = 1,
     * dt_proj.bias = softplus^-1(dt) with dt log-uniform in [0.001, 0.1] floored at 1e-4, dt_proj.weight uniform in
     * +-R^-0.5, the other linear and conv layers as PyTorch's defaults (uniform +-1/sqrt(fan_in)), norms 1.
     */
    public static MambaWeights initialize(MambaConfig c, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int dm = c.dModel(), e = c.dInner(), n = c.dState(), k = c.dConv(), r = c.dtRank();
        MambaLayerWeights[] layers = new MambaLayerWeights[c.nLayers()];
        for (int l = 0; l < layers.length; l++) {
            MambaLayerWeights w = MambaLayerWeights.zeros(c);
            java.util.Arrays.fill(w.norm, 1f);
            uniform(rnd, w.inProj, 1 / Math.sqrt(dm));
            if (w.inProjBias != null) {
                uniform(rnd, w.inProjBias, 1 / Math.sqrt(dm));
            }
            uniform(rnd, w.convWeight, 1 / Math.sqrt(k));
            if (w.convBias != null) {
                uniform(rnd, w.convBias, 1 / Math.sqrt(k));
            }
            uniform(rnd, w.xProj, 1 / Math.sqrt(e));
            uniform(rnd, w.dtProjWeight, 1 / Math.sqrt(r));
            for (int i = 0; i < e; i++) {
                double dt = Math.exp(rnd.nextDouble() * (Math.log(0.1) - Math.log(0.001)) + Math.log(0.001));
                dt = Math.max(dt, 1e-4);
                w.dtProjBias[i] = (float) (dt + Math.log(-Math.expm1(-dt)));
                w.d[i] = 1f;
                for (int j = 0; j < n; j++) {
                    w.aLog[i * n + j] = (float) Math.log(j + 1);
                }
            }
            uniform(rnd, w.outProj, 1 / Math.sqrt(e));
            if (w.outProjBias != null) {
                uniform(rnd, w.outProjBias, 1 / Math.sqrt(e));
            }
            layers[l] = w;
        }
        float[] normF = new float[dm];
        java.util.Arrays.fill(normF, 1f);
        return new MambaWeights(c, layers, normF);
    }

    private static void uniform(SplittableRandom rnd, float[] a, double bound) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        }
    }

    /** The tensors of this backbone under Hugging Face names, each prefixed with {@code prefix} (e.g. "" or "backbone."). */
    public Map<String, Tensor> toTensors(String prefix) {
        int dm = config.dModel(), e = config.dInner(), n = config.dState(), k = config.dConv(), r = config.dtRank();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int l = 0; l < layers.length; l++) {
            MambaLayerWeights w = layers[l];
            String p = prefix + "layers." + l + ".";
            out.put(p + "norm.weight", new Tensor(new int[] {dm}, w.norm));
            String m = p + "mixer.";
            out.put(m + "in_proj.weight", new Tensor(new int[] {2 * e, dm}, w.inProj));
            if (w.inProjBias != null) {
                out.put(m + "in_proj.bias", new Tensor(new int[] {2 * e}, w.inProjBias));
            }
            out.put(m + "conv1d.weight", new Tensor(new int[] {e, 1, k}, w.convWeight));
            if (w.convBias != null) {
                out.put(m + "conv1d.bias", new Tensor(new int[] {e}, w.convBias));
            }
            out.put(m + "x_proj.weight", new Tensor(new int[] {r + 2 * n, e}, w.xProj));
            out.put(m + "dt_proj.weight", new Tensor(new int[] {e, r}, w.dtProjWeight));
            out.put(m + "dt_proj.bias", new Tensor(new int[] {e}, w.dtProjBias));
            out.put(m + "A_log", new Tensor(new int[] {e, n}, w.aLog));
            out.put(m + "D", new Tensor(new int[] {e}, w.d));
            out.put(m + "out_proj.weight", new Tensor(new int[] {dm, e}, w.outProj));
            if (w.outProjBias != null) {
                out.put(m + "out_proj.bias", new Tensor(new int[] {dm}, w.outProjBias));
            }
        }
        out.put(prefix + "norm_f.weight", new Tensor(new int[] {dm}, normF));
        return out;
    }

    /**
     * Builds the backbone from Hugging Face tensors, accepting names under {@code layers.} or
     * {@code backbone.layers.}. Every required tensor must be present with the shape the config implies, and all
     * values must be finite.
     */
    public static MambaWeights fromTensors(MambaConfig c, Map<String, Tensor> tensors) throws CheckpointFormatException {
        String prefix = tensors.containsKey("backbone.layers.0.norm.weight") || tensors.containsKey("backbone.norm_f.weight")
                ? "backbone." : "";
        int dm = c.dModel(), e = c.dInner(), n = c.dState(), k = c.dConv(), r = c.dtRank();
        MambaLayerWeights[] layers = new MambaLayerWeights[c.nLayers()];
        for (int l = 0; l < layers.length; l++) {
            String p = prefix + "layers." + l + ".";
            String m = p + "mixer.";
            layers[l] = new MambaLayerWeights(
                    take(tensors, p + "norm.weight", dm),
                    take(tensors, m + "in_proj.weight", 2 * e, dm),
                    c.bias() ? take(tensors, m + "in_proj.bias", 2 * e) : null,
                    take(tensors, m + "conv1d.weight", e, 1, k),
                    c.convBias() ? take(tensors, m + "conv1d.bias", e) : null,
                    take(tensors, m + "x_proj.weight", r + 2 * n, e),
                    take(tensors, m + "dt_proj.weight", e, r),
                    take(tensors, m + "dt_proj.bias", e),
                    take(tensors, m + "A_log", e, n),
                    take(tensors, m + "D", e),
                    take(tensors, m + "out_proj.weight", dm, e),
                    c.bias() ? take(tensors, m + "out_proj.bias", dm) : null);
        }
        if (tensors.containsKey(prefix + "layers." + c.nLayers() + ".norm.weight")) {
            throw new CheckpointFormatException("checkpoint has more layers than num_hidden_layers = " + c.nLayers());
        }
        if (c.tiedDecays()) {
            for (int l = 0; l < layers.length; l++) {
                String off = untied(layers[l].aLog, e, n);
                if (off != null) {
                    throw new CheckpointFormatException("config.json says tied_decays, but layer " + l + "'s A_log is not tied: " + off);
                }
            }
        }
        return new MambaWeights(c, layers, take(tensors, prefix + "norm_f.weight", dm));
    }

    /** How far a tied A_log may be from its form (its log of a rate): float rounding, not an edit. */
    private static final double TIE_TOLERANCE = 1e-4;

    /**
     * Puts {@code aLog} [E][N] into the tied form (see {@link MambaConfig#tiedDecays}), each row from its first
     * column: {@code aLog[e][n] = aLog[e][0] + ln(n+1)}.
     */
    public static void tie(float[] aLog, int e, int n) {
        for (int ch = 0; ch < e; ch++) {
            float rate = aLog[ch * n];
            for (int j = 1; j < n; j++) {
                aLog[ch * n + j] = rate + (float) Math.log(j + 1);
            }
        }
    }

    /** Where {@code aLog} is not in the tied form, in words; null if it is. */
    static String untied(float[] aLog, int e, int n) {
        for (int ch = 0; ch < e; ch++) {
            for (int j = 1; j < n; j++) {
                double want = aLog[ch * n] + Math.log(j + 1);
                if (!(Math.abs(aLog[ch * n + j] - want) <= TIE_TOLERANCE)) {
                    return "A_log[" + ch + "][" + j + "] = " + aLog[ch * n + j] + ", where A_log[" + ch + "][0] + ln(" + (j + 1)
                            + ") = " + (float) want;
                }
            }
        }
        return null;
    }

    private static float[] take(Map<String, Tensor> tensors, String name, int... shape) throws CheckpointFormatException {
        return Tensor.take(tensors, name, shape);
    }

    public MambaWeights copy() {
        MambaLayerWeights[] copies = new MambaLayerWeights[layers.length];
        for (int i = 0; i < copies.length; i++) {
            copies[i] = layers[i].copy();
        }
        return new MambaWeights(config, copies, normF.clone());
    }
}
