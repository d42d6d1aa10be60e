package org.mambats.model.mamba;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The recurrent state of one stream (one symbol): for every layer the last K-1 conv inputs and the SSM state.
 * Its size depends only on the config, never on how many steps it has seen.
 *
 * <p>Layout of {@link #data()}, layer after layer, {@link MambaConfig#stateFloatsPerLayer()} floats each:
 * <ul>
 *   <li>conv: K-1 slots of E floats, slot k holding x at time t-K+1+k (slot K-2 is the newest);</li>
 *   <li>ssm: N rows of E floats, {@code s[n][e]} at {@code n * E + e} (transposed from the E x N of the
 *       design notes so the step can run over e in SIMD lanes).</li>
 * </ul>
 *
 * <p>{@link #toBytes()} stores the raw float bits, so a state restored from bytes continues bit for bit.
 */
public final class MambaState {
    private static final int MAGIC = 0x4D425354; // "MBST"
    private static final int VERSION = 1;
    /** magic, version, layers, E, N, K */
    public static final int HEADER_BYTES = 6 * 4;

    private final MambaConfig config;
    private final float[] data;

    public MambaState(MambaConfig config) {
        this.config = config;
        this.data = new float[config.stateFloats()];
    }

    public MambaConfig config() {
        return config;
    }

    /** The raw state; see the class comment for the layout. */
    public float[] data() {
        return data;
    }

    public static int convOffset(MambaConfig c, int layer) {
        return layer * c.stateFloatsPerLayer();
    }

    public static int ssmOffset(MambaConfig c, int layer) {
        return layer * c.stateFloatsPerLayer() + (c.dConv() - 1) * c.dInner();
    }

    public void reset() {
        Arrays.fill(data, 0f);
    }

    public MambaState copy() {
        MambaState s = new MambaState(config);
        System.arraycopy(data, 0, s.data, 0, data.length);
        return s;
    }

    public void copyFrom(MambaState other) {
        if (other.data.length != data.length) {
            throw new IllegalArgumentException("state of " + other.data.length + " floats cannot be copied into one of " + data.length);
        }
        System.arraycopy(other.data, 0, data, 0, data.length);
    }

    /** True if every value is finite; a NaN here would poison every later output of the stream. */
    public boolean isFinite() {
        for (float v : data) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    public int serializedSize() {
        return HEADER_BYTES + 4 * data.length;
    }

    public byte[] toBytes() {
        ByteBuffer buf = ByteBuffer.allocate(serializedSize());
        writeTo(buf);
        return buf.array();
    }

    /** Writes the header and the raw float bits, little endian, at the buffer's position. */
    public void writeTo(ByteBuffer out) {
        ByteBuffer buf = out.order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(MAGIC).putInt(VERSION).putInt(config.nLayers()).putInt(config.dInner()).putInt(config.dState())
                .putInt(config.dConv());
        buf.asFloatBuffer().put(data);
        buf.position(buf.position() + 4 * data.length);
    }

    public static MambaState fromBytes(MambaConfig config, byte[] bytes) {
        MambaState s = new MambaState(config);
        s.readFrom(ByteBuffer.wrap(bytes));
        return s;
    }

    /** Reads a state written by {@link #writeTo}, checking that it belongs to a model of this shape. */
    public void readFrom(ByteBuffer in) {
        ByteBuffer buf = in.order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < serializedSize()) {
            throw new IllegalArgumentException("serialized Mamba state too short: " + buf.remaining() + " bytes, need " + serializedSize());
        }
        int magic = buf.getInt();
        int version = buf.getInt();
        if (magic != MAGIC || version != VERSION) {
            throw new IllegalArgumentException("not a serialized Mamba state (magic " + Integer.toHexString(magic) + ", version " + version + ")");
        }
        int layers = buf.getInt(), e = buf.getInt(), n = buf.getInt(), k = buf.getInt();
        if (layers != config.nLayers() || e != config.dInner() || n != config.dState() || k != config.dConv()) {
            throw new IllegalArgumentException("serialized state is for layers=" + layers + " E=" + e + " N=" + n + " K=" + k
                    + ", this model has layers=" + config.nLayers() + " E=" + config.dInner() + " N=" + config.dState() + " K=" + config.dConv());
        }
        buf.asFloatBuffer().get(data);
        buf.position(buf.position() + 4 * data.length);
    }
}
