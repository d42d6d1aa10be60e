package org.mambats.model.mamba;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Any {@code config.json} object gives a configuration whose sizes are positive and whose state fits in an array,
 * or an {@link IllegalArgumentException} naming the key (which the checkpoint loader turns into its own error).
 */
class MambaConfigFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @FuzzTest
    @DictionaryEntries({"\"hidden_size\"", "\"num_hidden_layers\"", "\"state_size\"", "\"expand\"", "\"intermediate_size\"",
            "\"conv_kernel\"", "\"time_step_rank\"", "\"auto\"", "\"layer_norm_epsilon\"", "\"use_conv_bias\"", "\"use_bias\"",
            "2147483647", "1e-5", "true", "null"})
    void anyConfigIsReadOrRefusedByKey(String text) {
        if (text == null) {
            return;
        }
        JsonNode json;
        try {
            json = JSON.readTree(text);
        } catch (JacksonException notJson) {
            return; // the loader refuses it before this point
        }
        if (json == null || !json.isObject()) {
            return;
        }
        MambaConfig config;
        try {
            config = MambaConfig.fromJson(json);
        } catch (IllegalArgumentException refused) {
            assertTrue(refused.getMessage() != null && !refused.getMessage().isBlank(), "a refusal says why");
            return;
        }
        assertTrue(config.dModel() > 0 && config.nLayers() > 0 && config.dState() > 0 && config.dInner() > 0 && config.dtRank() > 0);
        assertTrue((long) config.nLayers() * config.stateFloatsPerLayer() == config.stateFloats(), "the state's size does not overflow");
    }
}
