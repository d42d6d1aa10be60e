package org.mambats.model.mamba;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Shapes and constants of a Mamba-1 backbone, in the vocabulary of {@code docs/ARCHITECTURE.md} ("Facts the code
 * relies on"):
 * D = {@link #dModel}, E = {@link #dInner}, N = {@link #dState}, K = {@link #dConv}, R = {@link #dtRank}.
 *
 * <p>Reads and writes the Hugging Face {@code MambaModel} {@code config.json} keys, so checkpoints move
 * between this project and PyTorch.
 *
 * <p>{@link #tiedDecays}, this project's one addition (key {@code tied_decays}, written only when true): the
 * state matrix is tied to the form Mamba initialises it in, {@code A[e][n] = -(n+1) a[e]}, one learned rate per
 * channel ({@code A_log[e][n] = A_log[e][0] + ln(n+1)}). Then each state's decay {@code exp(delta A[e][n])} is the
 * (n+1)-th power of {@code exp(-delta a[e])}: the step computes one exponential per channel instead of N. The
 * checkpoint stays in the Hugging Face layout (A_log holds all N columns), so PyTorch reads it as a Mamba whose A
 * happens to have that form. Mamba-2 ties A further, to one scalar per head.
 */
public record MambaConfig(
        int dModel,
        int nLayers,
        int dState,
        int expand,
        int dInner,
        int dConv,
        int dtRank,
        float eps,
        boolean convBias,
        boolean bias,
        boolean tiedDecays) {

    /** A config with free (untied) decays, as the reference and Hugging Face checkpoints have. */
    public MambaConfig(int dModel, int nLayers, int dState, int expand, int dInner, int dConv, int dtRank, float eps,
                       boolean convBias, boolean bias) {
        this(dModel, nLayers, dState, expand, dInner, dConv, dtRank, eps, convBias, bias, false);
    }

    /** This config with {@link #tiedDecays} set as given. */
    public MambaConfig withTiedDecays(boolean tied) {
        return new MambaConfig(dModel, nLayers, dState, expand, dInner, dConv, dtRank, eps, convBias, bias, tied);
    }

    /** Reference defaults: N=16, K=4, expand 2, R = ceil(D/16), eps 1e-5, conv bias on, linear bias off. */
    public static MambaConfig of(int dModel, int nLayers) {
        return of(dModel, nLayers, 16, 2, 4);
    }

    /** The given sizes, and the reference's R = ceil(D/16), eps 1e-5, conv bias on, linear bias off. */
    public static MambaConfig of(int dModel, int nLayers, int dState, int expand, int dConv) {
        return new MambaConfig(dModel, nLayers, dState, expand, expand * dModel, dConv, (dModel + 15) / 16, 1e-5f, true, false);
    }

    public MambaConfig {
        require(dModel > 0, "hidden_size must be positive, got " + dModel);
        require(nLayers > 0, "num_hidden_layers must be positive, got " + nLayers);
        require(dState > 0, "state_size must be positive, got " + dState);
        require(expand > 0, "expand must be positive, got " + expand);
        require(dInner == expand * dModel,
                "intermediate_size (" + dInner + ") must equal expand * hidden_size (" + expand + " * " + dModel + ")");
        require(dConv > 0, "conv_kernel must be positive, got " + dConv);
        require(dtRank > 0, "time_step_rank must be positive, got " + dtRank);
        require(eps > 0 && Float.isFinite(eps), "layer_norm_epsilon must be a positive finite number, got " + eps);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("inconsistent Mamba config: " + message);
        }
    }

    /** Floats of recurrent state in one layer: the last K-1 conv inputs and the E x N SSM state. */
    public int stateFloatsPerLayer() {
        return (dConv - 1) * dInner + dState * dInner;
    }

    public int stateFloats() {
        return nLayers * stateFloatsPerLayer();
    }

    /**
     * Parses a Hugging Face {@code config.json}. Keys that are missing fall back to the reference defaults
     * where the reference has one; {@code hidden_size} and {@code num_hidden_layers} are required.
     */
    public static MambaConfig fromJson(JsonNode json) {
        int d = requiredInt(json, "hidden_size");
        int layers = requiredInt(json, "num_hidden_layers");
        int n = optionalInt(json, "state_size", 16);
        int expand = optionalInt(json, "expand", 2);
        int e = optionalInt(json, "intermediate_size", expand * d);
        int k = optionalInt(json, "conv_kernel", 4);
        JsonNode rank = json.get("time_step_rank");
        int r;
        if (rank == null || rank.isNull() || (rank.isTextual() && rank.asText().equals("auto"))) {
            r = (d + 15) / 16;
        } else if (rank.canConvertToExactIntegral()) {
            r = rank.intValue();
        } else {
            throw new IllegalArgumentException("config key time_step_rank must be an integer or \"auto\", got " + rank);
        }
        float eps = (float) optionalDouble(json, "layer_norm_epsilon", 1e-5);
        boolean convBias = optionalBoolean(json, "use_conv_bias", true);
        boolean bias = optionalBoolean(json, "use_bias", false);
        boolean tied = optionalBoolean(json, "tied_decays", false);
        return new MambaConfig(d, layers, n, expand, e, k, r, eps, convBias, bias, tied);
    }

    /** Writes the Hugging Face keys (and the ones transformers needs to recognise the model) into {@code out}. */
    public ObjectNode writeJson(ObjectNode out) {
        out.putArray("architectures").add("MambaModel");
        out.put("model_type", "mamba");
        out.put("hidden_size", dModel);
        out.put("state_size", dState);
        out.put("num_hidden_layers", nLayers);
        out.put("expand", expand);
        out.put("intermediate_size", dInner);
        out.put("conv_kernel", dConv);
        out.put("time_step_rank", dtRank);
        out.put("layer_norm_epsilon", eps);
        out.put("use_conv_bias", convBias);
        out.put("use_bias", bias);
        if (tiedDecays) {
            out.put("tied_decays", true);
        }
        out.put("hidden_act", "silu");
        out.put("residual_in_fp32", true);
        out.put("dtype", "float32");
        return out;
    }

    public ObjectNode toJson() {
        return writeJson(JsonNodeFactory.instance.objectNode());
    }

    private static int requiredInt(JsonNode json, String key) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("config.json is missing required key " + key);
        }
        if (!v.canConvertToExactIntegral()) {
            throw new IllegalArgumentException("config key " + key + " must be an integer, got " + v);
        }
        return v.intValue();
    }

    private static int optionalInt(JsonNode json, String key, int fallback) {
        JsonNode v = json.get(key);
        return v == null || v.isNull() ? fallback : requiredInt(json, key);
    }

    private static double optionalDouble(JsonNode json, String key, double fallback) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException("config key " + key + " must be a number, got " + v);
        }
        return v.doubleValue();
    }

    private static boolean optionalBoolean(JsonNode json, String key, boolean fallback) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException("config key " + key + " must be true or false, got " + v);
        }
        return v.booleanValue();
    }
}
