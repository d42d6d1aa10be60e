package org.mambats.model.mamba;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mambats.model.io.CheckpointFormatException;
import org.mambats.model.io.SafeTensors;
import org.mambats.model.io.Tensor;

/**
 * A checkpoint directory in the Hugging Face {@code MambaModel} layout: {@code config.json} and
 * {@code model.safetensors}. Keys and tensors that are not part of the backbone (the forecaster's own, or
 * transformers' embeddings) are kept in {@link #config()} and {@link #extraTensors()} so nothing is lost on a
 * load-save round trip.
 *
 * @param config       the whole {@code config.json}, including keys this class does not interpret
 * @param weights      the backbone
 * @param extraTensors tensors that are not backbone parameters, by name
 */
public record MambaCheckpoint(ObjectNode config, MambaWeights weights, Map<String, Tensor> extraTensors) {
    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static MambaCheckpoint load(Path dir) throws IOException {
        Path configFile = dir.resolve(CONFIG_FILE);
        Path weightsFile = dir.resolve(WEIGHTS_FILE);
        if (!Files.isDirectory(dir)) {
            throw new CheckpointFormatException("checkpoint directory " + dir + " does not exist");
        }
        if (!Files.isRegularFile(configFile)) {
            throw new CheckpointFormatException("checkpoint " + dir + " has no " + CONFIG_FILE);
        }
        if (!Files.isRegularFile(weightsFile)) {
            throw new CheckpointFormatException("checkpoint " + dir + " has no " + WEIGHTS_FILE);
        }
        JsonNode json;
        try {
            json = JSON.readTree(configFile.toFile());
        } catch (IOException e) {
            throw new CheckpointFormatException(configFile + " is not valid JSON: " + e.getMessage(), e);
        }
        if (json == null || !json.isObject()) {
            throw new CheckpointFormatException(configFile + " must hold a JSON object");
        }
        MambaConfig config;
        try {
            config = MambaConfig.fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(configFile + ": " + e.getMessage(), e);
        }
        Map<String, Tensor> tensors = SafeTensors.read(weightsFile);
        MambaWeights weights;
        try {
            weights = MambaWeights.fromTensors(config, tensors);
        } catch (CheckpointFormatException e) {
            throw new CheckpointFormatException(weightsFile + ": " + e.getMessage(), e);
        }
        Map<String, Tensor> extra = new LinkedHashMap<>(tensors);
        String prefix = tensors.containsKey("backbone.norm_f.weight") ? "backbone." : "";
        extra.keySet().removeAll(weights.toTensors(prefix).keySet());
        return new MambaCheckpoint((ObjectNode) json, weights, extra);
    }

    /** A checkpoint holding only a backbone, with a fresh config.json. */
    public static MambaCheckpoint of(MambaWeights weights) {
        return new MambaCheckpoint(weights.config().toJson(), weights, Map.of());
    }

    /**
     * Writes {@code config.json} (the backbone keys refreshed from the weights' config, other keys kept) and
     * {@code model.safetensors} (backbone tensors under {@code layers.}, then the extra tensors).
     */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectNode json = config.deepCopy();
        weights.config().writeJson(json);
        Map<String, Tensor> tensors = new LinkedHashMap<>(weights.toTensors(""));
        for (Map.Entry<String, Tensor> e : extraTensors.entrySet()) {
            if (tensors.putIfAbsent(e.getKey(), e.getValue()) != null) {
                throw new IllegalArgumentException("extra tensor " + e.getKey() + " clashes with a backbone tensor");
            }
        }
        SafeTensors.write(dir.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt"));
        JSON.writeValue(dir.resolve(CONFIG_FILE).toFile(), json);
    }
}
