package org.mambats.model.forecast;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.mambats.model.features.TickFeatures;
import org.mambats.model.mamba.MambaConfig;
import org.mambats.model.mamba.MambaState;
import org.mambats.model.tick.TickValidator;

/**
 * Everything the platform remembers about one symbol between two ticks: the validator's position (last event
 * time and sequence number, recent tick fingerprints), the feature pipeline's running statistics, and the Mamba
 * state of every layer. Restoring it from {@link #toBytes()} continues the symbol bit for bit.
 */
public final class SymbolState {
    private static final int MAGIC = 0x53594D31; // "SYM1"
    public final TickValidator.Position position = new TickValidator.Position();
    public final TickFeatures.State features = new TickFeatures.State();
    public final MambaState mamba;

    public SymbolState(MambaConfig config) {
        this.mamba = new MambaState(config);
    }

    public int serializedSize() {
        return 4 + TickValidator.Position.BYTES + TickFeatures.State.BYTES + mamba.serializedSize();
    }

    public byte[] toBytes() {
        ByteBuffer buf = ByteBuffer.allocate(serializedSize()).order(ByteOrder.LITTLE_ENDIAN);
        writeTo(buf);
        return buf.array();
    }

    public void writeTo(ByteBuffer buf) {
        buf.order(ByteOrder.LITTLE_ENDIAN).putInt(MAGIC);
        position.writeTo(buf);
        features.writeTo(buf);
        mamba.writeTo(buf);
    }

    public static SymbolState fromBytes(MambaConfig config, byte[] bytes) {
        SymbolState s = new SymbolState(config);
        s.readFrom(ByteBuffer.wrap(bytes));
        return s;
    }

    public void readFrom(ByteBuffer buf) {
        buf.order(ByteOrder.LITTLE_ENDIAN);
        int magic = buf.getInt();
        if (magic != MAGIC) {
            throw new IllegalArgumentException("not a serialized symbol state (magic " + Integer.toHexString(magic) + ")");
        }
        position.readFrom(buf);
        features.readFrom(buf);
        mamba.readFrom(buf);
    }

    public SymbolState copy() {
        SymbolState s = new SymbolState(mamba.config());
        s.copyFrom(this);
        return s;
    }

    public void copyFrom(SymbolState o) {
        position.copyFrom(o.position);
        features.copyFrom(o.features);
        mamba.copyFrom(o.mamba);
    }
}
