package org.mambats.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Any bytes given as a checkpoint's weights are either read as tensors that fit their shapes, or refused with a
 * {@link CheckpointFormatException}; nothing else escapes, and nothing is allocated beyond what the file holds. The
 * input is mostly a well-framed file (a length, a JSON header, data) so the fuzzer reaches the tensor checks, and
 * sometimes raw bytes so the framing itself is tried. Budget and how to run longer: {@code README.md}, "Fuzzing".
 */
class SafeTensorsFuzzTest {
    @FuzzTest
    @DictionaryEntries({"\"dtype\"", "\"F32\"", "\"F16\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "[0,", "4294967296",
            "1099511627776", "-1", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"})
    void anyWeightsFileIsReadWithinItsShapesOrRefused(FuzzedDataProvider data) {
        byte[] file;
        if (data.consumeBoolean()) {
            byte[] header = data.consumeString(4_000).getBytes(StandardCharsets.UTF_8);
            long claimedLength = data.consumeBoolean() ? header.length : data.consumeLong();
            byte[] body = data.consumeRemainingAsBytes();
            file = ByteBuffer.allocate(8 + header.length + body.length).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(claimedLength).put(header).put(body).array();
        } else {
            file = data.consumeRemainingAsBytes();
        }
        Map<String, Tensor> tensors;
        try {
            tensors = SafeTensors.parse(file);
        } catch (CheckpointFormatException refused) {
            return;
        }
        long floats = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            assertEquals(Tensor.elementCount(e.getValue().shape()), e.getValue().data().length, e.getKey() + ": data fits its shape");
            floats += e.getValue().data().length;
        }
        if (floats * 4 > file.length) {
            throw new AssertionError("read " + floats * 4 + " bytes of floats from a file of " + file.length);
        }
    }
}
