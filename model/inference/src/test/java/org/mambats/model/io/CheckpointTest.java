package org.mambats.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.model.mamba.Fixtures;
import org.mambats.model.mamba.MambaCheckpoint;
import org.mambats.model.mamba.MambaConfig;
import org.mambats.model.mamba.MambaWeights;

class CheckpointTest {
    @TempDir
    Path tmp;

    private static void copyFixture(Path to) throws Exception {
        Files.createDirectories(to);
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(Fixtures.mambaSmall().resolve(f), to.resolve(f));
        }
    }

    @Test
    void saveThenLoadGivesTheSameWeightsAndKeepsExtras() throws Exception {
        MambaCheckpoint original = MambaCheckpoint.load(Fixtures.mambaSmall());
        Path out = tmp.resolve("copy");
        original.save(out);
        MambaCheckpoint again = MambaCheckpoint.load(out);
        assertEquals(original.weights().config(), again.weights().config());
        assertEquals(original.weights().toTensors(""), again.weights().toTensors(""));
        assertEquals(original.extraTensors().keySet(), again.extraTensors().keySet());
        assertEquals("5.17.0", again.config().get("transformers_version").asText(), "unknown config keys survive");
        // The header is padded to 8 bytes, as the reference writer does.
        long headerLen = ByteBuffer.wrap(Files.readAllBytes(out.resolve("model.safetensors"))).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8);
    }

    @Test
    void acceptsTheMambaSsmBackbonePrefix() throws Exception {
        MambaWeights w = MambaWeights.initialize(MambaConfig.of(16, 2), 5);
        Path dir = tmp.resolve("ssm");
        Files.createDirectories(dir);
        SafeTensors.write(dir.resolve("model.safetensors"), w.toTensors("backbone."), Map.of());
        Files.writeString(dir.resolve("config.json"), w.config().toJson().toString());
        MambaCheckpoint loaded = MambaCheckpoint.load(dir);
        assertEquals(w.toTensors(""), loaded.weights().toTensors(""));
        assertTrue(loaded.extraTensors().isEmpty(), loaded.extraTensors().keySet().toString());
    }

    @Test
    void missingTensorIsNamed() throws Exception {
        Path dir = tmp.resolve("missing");
        copyFixture(dir);
        Map<String, Tensor> t = new LinkedHashMap<>(SafeTensors.read(dir.resolve("model.safetensors")));
        t.remove("layers.1.mixer.A_log");
        SafeTensors.write(dir.resolve("model.safetensors"), t, Map.of());
        Exception e = assertThrows(CheckpointFormatException.class, () -> MambaCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("missing tensor layers.1.mixer.A_log"), e.getMessage());
    }

    @Test
    void misShapedTensorIsNamed() throws Exception {
        Path dir = tmp.resolve("shape");
        copyFixture(dir);
        Map<String, Tensor> t = new LinkedHashMap<>(SafeTensors.read(dir.resolve("model.safetensors")));
        t.put("layers.0.mixer.x_proj.weight", new Tensor(new int[] {32, 18}, new float[32 * 18]));
        SafeTensors.write(dir.resolve("model.safetensors"), t, Map.of());
        Exception e = assertThrows(CheckpointFormatException.class, () -> MambaCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("layers.0.mixer.x_proj.weight has shape [32, 18]"), e.getMessage());
        assertTrue(e.getMessage().contains("[18, 32]"), e.getMessage());
    }

    @Test
    void inconsistentConfigIsRejected() throws Exception {
        Path dir = tmp.resolve("config");
        copyFixture(dir);
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        config.put("intermediate_size", 48);
        json.writeValue(dir.resolve("config.json").toFile(), config);
        Exception e = assertThrows(CheckpointFormatException.class, () -> MambaCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("intermediate_size (48) must equal expand * hidden_size"), e.getMessage());
    }

    @Test
    void wrongDtypeIsRejected() throws Exception {
        byte[] header = "{\"w\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}".getBytes(StandardCharsets.UTF_8);
        byte[] file = withHeader(header, 4);
        Exception e = assertThrows(CheckpointFormatException.class, () -> SafeTensors.parse(file));
        assertTrue(e.getMessage().contains("tensor w has dtype BF16"), e.getMessage());
    }

    @Test
    void badHeaderLengthAndBadJsonAndBadOffsetsAreRejected() {
        byte[] huge = new byte[16];
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
        assertTrue(assertThrows(CheckpointFormatException.class, () -> SafeTensors.parse(huge)).getMessage().contains("header length"));
        byte[] notJson = withHeader("{not json".getBytes(StandardCharsets.UTF_8), 0);
        assertTrue(assertThrows(CheckpointFormatException.class, () -> SafeTensors.parse(notJson)).getMessage().contains("not valid JSON"));
        byte[] outside = withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}".getBytes(StandardCharsets.UTF_8), 8);
        assertTrue(assertThrows(CheckpointFormatException.class, () -> SafeTensors.parse(outside)).getMessage().contains("outside"));
        byte[] wrongSize = withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}".getBytes(StandardCharsets.UTF_8), 8);
        assertTrue(assertThrows(CheckpointFormatException.class, () -> SafeTensors.parse(wrongSize)).getMessage().contains("needs 12 bytes"));
        byte[] overlap = withHeader(("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}").getBytes(StandardCharsets.UTF_8), 12);
        assertTrue(assertThrows(CheckpointFormatException.class, () -> SafeTensors.parse(overlap)).getMessage().contains("overlap"));
    }

    @Test
    void nonFiniteWeightsAreRejected() throws Exception {
        Path dir = tmp.resolve("nan");
        copyFixture(dir);
        Map<String, Tensor> t = new LinkedHashMap<>(SafeTensors.read(dir.resolve("model.safetensors")));
        t.get("norm_f.weight").data()[2] = Float.NaN;
        SafeTensors.write(dir.resolve("model.safetensors"), t, Map.of());
        Exception e = assertThrows(CheckpointFormatException.class, () -> MambaCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("norm_f.weight contains a non-finite value"), e.getMessage());
    }

    @Test
    void npyRoundTrip() throws Exception {
        Tensor t = new Tensor(new int[] {2, 3, 4}, new float[24]);
        for (int i = 0; i < 24; i++) {
            t.data()[i] = i * 0.5f - 3;
        }
        Path f = tmp.resolve("x.npy");
        Npy.write(f, t);
        assertEquals(t, Npy.read(f));
        byte[] bytes = Files.readAllBytes(f);
        assertEquals(0, (10 + (bytes[8] & 0xff | (bytes[9] & 0xff) << 8)) % 64, "data is 64-byte aligned as NumPy writes it");
        Tensor vec = new Tensor(new int[] {5}, new float[] {1, 2, 3, 4, 5});
        Npy.write(f, vec);
        assertTrue(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains("'shape': (5,)"));
        assertArrayEquals(vec.data(), Npy.read(f).data());
    }

    private static byte[] withHeader(byte[] header, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        return b.array();
    }
}
