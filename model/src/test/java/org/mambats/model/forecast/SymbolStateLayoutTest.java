package org.mambats.model.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mambats.model.calibration.QuantileCalibrator;
import org.mambats.model.features.Horizon;
import org.mambats.model.mamba.MambaConfig;

/** Symbol states written by the previous layout ("SYM3", before the calibration's volatility mix) are still read. */
class SymbolStateLayoutTest {
    static final MambaConfig CONFIG = MambaConfig.of(16, 1);
    static final List<Horizon> HORIZONS = List.of(Horizon.parse("1tick"), Horizon.parse("60s"));
    static final QuantileCalibrator CALIBRATOR = new QuantileCalibrator(HORIZONS, Forecast.standardLevels(),
            QuantileCalibrator.DEFAULT_RATE, QuantileCalibrator.DEFAULT_MIX_RATE, 4);

    @Test
    void aStateOfTheLayoutBeforeTheMixIsReadWithTheMixAtOne() {
        byte[] current = new SymbolState(CONFIG, CALIBRATOR).toBytes();
        // The previous layout is this one without the mix (8 bytes a horizon) and the slopes (4 a slot and quantile), at the end.
        int tail = HORIZONS.size() * 8 + HORIZONS.size() * 4 * Forecast.standardLevels().length * 4;
        byte[] previous = Arrays.copyOf(current, current.length - tail);
        ByteBuffer.wrap(previous).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0x53594D33);
        SymbolState read = SymbolState.fromBytes(CONFIG, CALIBRATOR, previous);
        for (int h = 0; h < HORIZONS.size(); h++) {
            assertEquals(1.0, read.calibration.mix(h));
        }
        assertArrayEquals(current, read.toBytes());
    }

    @Test
    void aMixOutsideItsRangeIsRefusedAsCorrupt() {
        byte[] bytes = new SymbolState(CONFIG, CALIBRATOR).toBytes();
        int slopes = HORIZONS.size() * 4 * Forecast.standardLevels().length * 4;
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putDouble(bytes.length - slopes - HORIZONS.size() * 8, 2.5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SymbolState.fromBytes(CONFIG, CALIBRATOR, bytes));
        assertEquals("corrupt calibration state: horizon 0 volatility mix 2.5", e.getMessage());
    }
}
