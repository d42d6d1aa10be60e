package org.mambats.model.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mambats.model.calibration.QuantileCalibrator;
import org.mambats.model.features.Horizon;
import org.mambats.model.mamba.MambaConfig;

/**
 * Symbol states written by the previous layout ("SYM3": one calibration offset per quantile, no trackers, no
 * volatility mix) are still read, and a corrupt mix is refused.
 */
class SymbolStateLayoutTest {
    static final MambaConfig CONFIG = MambaConfig.of(16, 1);
    static final List<Horizon> HORIZONS = List.of(Horizon.parse("1tick"), Horizon.parse("60s"));
    static final int SLOTS = 4;
    static final QuantileCalibrator CALIBRATOR = new QuantileCalibrator(HORIZONS, Forecast.standardLevels(),
            QuantileCalibrator.DEFAULT_RATE, QuantileCalibrator.DEFAULT_MIX_RATE, SLOTS);

    @Test
    void aStateOfTheLayoutBeforeTheTrackersIsReadFromItsOneOffset() {
        SymbolState fresh = new SymbolState(CONFIG, CALIBRATOR);
        byte[] current = fresh.toBytes();
        int q = Forecast.standardLevels().length, h = HORIZONS.size();
        int calibrationStart = current.length - fresh.calibration.serializedSize();
        // The SYM3 calibration: offsets, the rings' positions, the counts, the slots, the quantiles sent.
        ByteBuffer old = ByteBuffer.allocate(calibrationStart + h * q * 4 + h * 48 + h * q * 8 + h * SLOTS * 24 + h * SLOTS * q * 4)
                .order(ByteOrder.LITTLE_ENDIAN);
        old.put(current, 0, calibrationStart).putInt(0, 0x53594D33);
        for (int i = 0; i < h * q; i++) {
            old.putFloat(i % q == 0 ? -0.25f : i % q == q - 1 ? 0.5f : 0f);
        }
        for (int i = 0; i < h; i++) {
            old.putInt(0).putInt(0).putLong(Long.MIN_VALUE).putLong(0).putLong(0).putLong(0).putDouble(0);
        }
        while (old.hasRemaining()) {
            old.put((byte) 0);
        }
        SymbolState read = SymbolState.fromBytes(CONFIG, CALIBRATOR, old.array());
        for (int i = 0; i < h; i++) {
            assertEquals(1.0, read.calibration.mix(i));
            assertEquals(-0.25f, read.calibration.offset(i, 0), 1e-7f, "every tracker starts from the one offset");
            assertEquals(0.5f, read.calibration.offset(i, q - 1), 1e-7f);
        }
        byte[] again = read.toBytes();
        assertEquals(current.length, again.length);
        assertArrayEquals(read.toBytes(), SymbolState.fromBytes(CONFIG, CALIBRATOR, again).toBytes(), "and it is written in the new layout");
    }

    @Test
    void aMixOutsideItsRangeIsRefusedAsCorrupt() {
        SymbolState fresh = new SymbolState(CONFIG, CALIBRATOR);
        byte[] bytes = fresh.toBytes();
        int q = Forecast.standardLevels().length, h = HORIZONS.size(), trackers = 2;
        // The calibration starts with the trackers' offsets (4 bytes each) and losses (8 each); then the mix.
        int mixAt = bytes.length - fresh.calibration.serializedSize() + h * trackers * q * 4 + h * trackers * 8;
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putDouble(mixAt, 2.5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SymbolState.fromBytes(CONFIG, CALIBRATOR, bytes));
        assertEquals("corrupt calibration state: horizon 0 volatility mix 2.5", e.getMessage());
    }
}
