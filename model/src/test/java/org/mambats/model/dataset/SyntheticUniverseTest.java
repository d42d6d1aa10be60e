package org.mambats.model.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.model.tick.RowCounts;
import org.mambats.model.train.DataDefaults;

/** The synthetic universe: its known best forecast is calibrated, its break is there, and it reads as daily bars. */
class SyntheticUniverseTest {
    @TempDir
    Path tmp;

    @Test
    void theOracleIsCalibratedAndTheBreakQuadruplesTheMarketsVolatility() throws Exception {
        SyntheticUniverse u = new SyntheticUniverse(6, 3000, 0.5, 7);
        long inside = 0, n = 0;
        double before = 0, after = 0;
        for (int i = 0; i < u.symbols; i++) {
            for (int t = 1; t < u.days - 1; t++) {
                double r = u.returns[i][t + 1];
                inside += r >= u.oracleQuantile(i, t, 0.1) && r <= u.oracleQuantile(i, t, 0.9) ? 1 : 0;
                n++;
                if (t < 1400) {
                    before += r * r;
                } else if (t > 1600) {
                    after += r * r;
                }
            }
        }
        assertEquals(0.8, (double) inside / n, 0.01, "the best forecast's 10-90 band covers 80%");
        assertTrue(after / before > 2.5, "volatility rises after the break: variance ratio " + after / before);
        for (int i = 0; i < u.symbols; i++) {
            assertTrue(u.prices[i][0] >= 10 && u.prices[i][0] <= 1000);
        }
        assertEquals(0.15, u.phi[1]);
        assertEquals(0.0, u.phi[0]);
    }

    @Test
    void itsFileReadsAsAUniverseOfDailyBars() throws Exception {
        SyntheticUniverse u = new SyntheticUniverse(3, 300, 0.7, 1);
        Path csv = tmp.resolve("u.csv");
        u.writeCsv(csv);
        Map<String, TickSeries> all = TickSeries.read(csv.toString(), null, 11, 2000, new RowCounts());
        assertEquals(3, all.size());
        assertEquals(300, all.get("S01").length);
        DataDefaults.Profile p = DataDefaults.scan(csv.toString(), null);
        assertTrue(p.bars(), p.describe());
        assertEquals(3, p.symbols());
        assertEquals(86_400, p.medianSpacingSeconds(), 1e-9, "a day between bars, weekends aside");
        assertTrue(Files.size(csv) > 10_000);
    }
}
