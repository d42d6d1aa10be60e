package org.mambats.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets}}} (plus an optional {@code __metadata__} map of strings), then the
 * raw little-endian bytes. Only float32 ({@code F32}) tensors are accepted; anything else is named and rejected.
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A header larger than this is certainly corrupt (the Hugging Face implementation uses the same bound). */
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private SafeTensors() {
    }

    public static Map<String, Tensor> read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return parse(bytes);
        } catch (CheckpointFormatException e) {
            throw new CheckpointFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses a whole safetensors file held in memory, checking every offset against the buffer. */
    public static Map<String, Tensor> parse(byte[] bytes) throws CheckpointFormatException {
        if (bytes.length < 8) {
            throw new CheckpointFormatException("not a safetensors file: " + bytes.length + " bytes, too short for the header length");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = buf.getLong(0);
        if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || headerLen > bytes.length - 8) {
            throw new CheckpointFormatException("bad safetensors header length " + headerLen + " for a file of " + bytes.length + " bytes");
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CheckpointFormatException("safetensors header is not valid JSON: " + e.getMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new CheckpointFormatException("safetensors header must be a JSON object");
        }
        int dataStart = 8 + (int) headerLen;
        long dataLen = bytes.length - (long) dataStart;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        TreeMap<Long, String> byStart = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            if (name.equals("__metadata__")) {
                continue;
            }
            JsonNode info = field.getValue();
            String dtype = info.path("dtype").asText(null);
            if (dtype == null) {
                throw new CheckpointFormatException("tensor " + name + " has no dtype");
            }
            if (!dtype.equals("F32")) {
                throw new CheckpointFormatException("tensor " + name + " has dtype " + dtype + "; only F32 (float32) is supported");
            }
            int[] shape = readShape(name, info.get("shape"));
            JsonNode offsets = info.get("data_offsets");
            if (offsets == null || !offsets.isArray() || offsets.size() != 2
                    || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
                throw new CheckpointFormatException("tensor " + name + " has no valid data_offsets [begin, end]");
            }
            long begin = offsets.get(0).longValue();
            long end = offsets.get(1).longValue();
            long expected = Tensor.elementCount(shape) * 4;
            if (begin < 0 || end < begin || end > dataLen) {
                throw new CheckpointFormatException("tensor " + name + " has data_offsets [" + begin + ", " + end
                        + "] outside the " + dataLen + " data bytes");
            }
            if (end - begin != expected) {
                throw new CheckpointFormatException("tensor " + name + " of shape " + java.util.Arrays.toString(shape)
                        + " needs " + expected + " bytes but data_offsets cover " + (end - begin));
            }
            String clash = byStart.put(begin, name);
            if (clash != null && expected > 0) {
                throw new CheckpointFormatException("tensors " + clash + " and " + name + " share data offset " + begin);
            }
            float[] data = new float[(int) (expected / 4)];
            ByteBuffer slice = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            slice.position(dataStart + (int) begin);
            slice.asFloatBuffer().get(data);
            tensors.put(name, new Tensor(shape, data));
        }
        checkNoOverlap(header, byStart);
        return tensors;
    }

    private static void checkNoOverlap(JsonNode header, TreeMap<Long, String> byStart) throws CheckpointFormatException {
        long previousEnd = 0;
        String previous = null;
        for (Map.Entry<Long, String> e : byStart.entrySet()) {
            if (e.getKey() < previousEnd) {
                throw new CheckpointFormatException("tensors " + previous + " and " + e.getValue() + " overlap");
            }
            previousEnd = header.get(e.getValue()).get("data_offsets").get(1).longValue();
            previous = e.getValue();
        }
    }

    private static int[] readShape(String name, JsonNode shape) throws CheckpointFormatException {
        if (shape == null || !shape.isArray()) {
            throw new CheckpointFormatException("tensor " + name + " has no shape array");
        }
        int[] dims = new int[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.canConvertToExactIntegral() || d.longValue() < 0 || d.longValue() > Integer.MAX_VALUE) {
                throw new CheckpointFormatException("tensor " + name + " has an invalid dimension " + d);
            }
            dims[i] = d.intValue();
        }
        if (Tensor.elementCount(dims) * 4 > Integer.MAX_VALUE - 16) {
            throw new CheckpointFormatException("tensor " + name + " is too large for this reader");
        }
        return dims;
    }

    /** Writes tensors in name order, with the header padded to 8 bytes as the reference writer does. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        List<Tensor> ordered = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : new TreeMap<>(tensors).entrySet()) {
            Tensor t = e.getValue();
            ObjectNode info = header.putObject(e.getKey());
            info.put("dtype", "F32");
            ArrayNode shape = info.putArray("shape");
            for (int s : t.shape()) {
                shape.add(s);
            }
            long size = 4L * t.data().length;
            info.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
            ordered.add(t);
        }
        byte[] headerBytes = JSON.writeValueAsBytes(header);
        int padded = (headerBytes.length + 7) / 8 * 8;
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(headerBytes);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            out.write(prefix.array());
            for (Tensor t : ordered) {
                ByteBuffer data = ByteBuffer.allocate(4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
                data.asFloatBuffer().put(t.data());
                out.write(data.array());
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
