package org.mambats.model.forecast;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.mambats.model.calibration.CalibrationState;
import org.mambats.model.calibration.QuantileCalibrator;
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
    private static final int MAGIC = 0x53594D34; // "SYM4": with the calibration's offset trackers and volatility mix
    /** The layout before them: read, every tracker starting from the one offset, the mix at 1. */
    private static final int MAGIC_V3 = 0x53594D33;
    /** The layout before the features' slow statistics: read, those starting afresh. */
    private static final int MAGIC_V2 = 0x53594D32;
    public final TickValidator.Position position = new TickValidator.Position();
    public final TickFeatures.State features = new TickFeatures.State();
    public final MambaState mamba;
    public final CalibrationState calibration;
    private final QuantileCalibrator calibrator;

    /** A fresh state for a model with this backbone and calibrator ({@link ForecastModel#newState()}). */
    public SymbolState(MambaConfig config, QuantileCalibrator calibrator) {
        this.mamba = new MambaState(config);
        this.calibrator = calibrator;
        this.calibration = calibrator.newState();
    }

    public int serializedSize() {
        return 4 + TickValidator.Position.BYTES + TickFeatures.State.BYTES + mamba.serializedSize()
                + calibration.serializedSize();
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
        calibration.writeTo(buf);
    }

    public static SymbolState fromBytes(MambaConfig config, QuantileCalibrator calibrator, byte[] bytes) {
        SymbolState s = new SymbolState(config, calibrator);
        s.readFrom(ByteBuffer.wrap(bytes));
        return s;
    }

    public void readFrom(ByteBuffer buf) {
        buf.order(ByteOrder.LITTLE_ENDIAN);
        int magic = buf.getInt();
        if (magic != MAGIC && magic != MAGIC_V3 && magic != MAGIC_V2) {
            throw new IllegalArgumentException("not a serialized symbol state (magic " + Integer.toHexString(magic) + ")");
        }
        position.readFrom(buf);
        features.readFrom(buf, magic == MAGIC_V2);
        mamba.readFrom(buf);
        calibration.readFrom(buf, magic != MAGIC);
    }

    public SymbolState copy() {
        SymbolState s = new SymbolState(mamba.config(), calibrator);
        s.copyFrom(this);
        return s;
    }

    public void copyFrom(SymbolState o) {
        position.copyFrom(o.position);
        features.copyFrom(o.features);
        mamba.copyFrom(o.mamba);
        calibration.copyFrom(o.calibration);
    }
}
