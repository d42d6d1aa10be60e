package org.mambats.ingest.stream;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.forecast.SymbolState;

/**
 * A value of the Mamba operator's state store: which model the state belongs to, the offset of the last input
 * record it includes, and the symbol's state. Little-endian: a format tag (4 bytes), the model version's length
 * (1 byte) and UTF-8 bytes, the offset (8 bytes), then {@link SymbolState#writeTo}.
 *
 * <p>The model version is there because a state only means something to the weights that produced it: a stream
 * restarted with a new checkpoint must not carry on from the old model's hidden states (see
 * {@link MambaForecastProcessor}, "A new model").
 */
public final class StoredSymbolState {
    /** "MTS" and a format number; values written before the model version was stored have no tag. */
    static final int FORMAT = 0x4d545302;

    private StoredSymbolState() {
    }

    public static byte[] encode(String modelVersion, long offset, SymbolState state) {
        byte[] version = modelVersion.getBytes(StandardCharsets.UTF_8);
        if (version.length > 255) {
            throw new IllegalArgumentException("model version longer than 255 bytes: " + modelVersion);
        }
        ByteBuffer b = ByteBuffer.allocate(4 + 1 + version.length + Long.BYTES + state.serializedSize()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(FORMAT).put((byte) version.length).put(version).putLong(offset);
        state.writeTo(b);
        return b.array();
    }

    /** The version of the model the stored state belongs to, or null for a value in another format. */
    public static String modelVersion(byte[] value) {
        if (value == null || value.length < 5) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != FORMAT) {
            return null;
        }
        int n = b.get() & 0xff;
        if (value.length < 5 + n + Long.BYTES) {
            return null;
        }
        return new String(value, 5, n, StandardCharsets.UTF_8);
    }

    /** The input offset up to which the value includes its symbol's ticks; the value must be in this format. */
    public static long offset(byte[] value) {
        return buffer(value).getLong(headerSize(modelVersion(value)) - Long.BYTES);
    }

    /**
     * The state held in {@code value} if it is a state of exactly {@code model} (its version, and a state of its
     * size); null if it is another model's, or in another format.
     */
    public static SymbolState stateOf(ForecastModel model, byte[] value) {
        String v = modelVersion(value);
        if (!model.version().equals(v)) {
            return null;
        }
        SymbolState s = model.newState();
        int header = headerSize(v);
        if (value.length != header + s.serializedSize()) {
            return null;
        }
        ByteBuffer b = buffer(value);
        b.position(header);
        s.readFrom(b);
        return s;
    }

    private static int headerSize(String version) {
        if (version == null) {
            throw new IllegalArgumentException("not a stored symbol state of this format");
        }
        return 4 + 1 + version.getBytes(StandardCharsets.UTF_8).length + Long.BYTES;
    }

    private static ByteBuffer buffer(byte[] value) {
        return ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
    }
}
