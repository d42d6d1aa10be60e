package org.mambats.backtest.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.model.tick.RowCounts;
import org.mambats.model.dataset.SyntheticTicks;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.train.DataDefaults;

class DurationsAndFoldsTest {
    @TempDir
    Path tmp;

    @Test
    void durations() {
        assertEquals(Duration.ofDays(3), Durations.parse("3d"));
        assertEquals(Duration.ofHours(12), Durations.parse("12h"));
        assertEquals(Duration.ofMinutes(30), Durations.parse("30m"));
        assertEquals(Duration.ofSeconds(45), Durations.parse("45s"));
        assertEquals(Duration.ofHours(36), Durations.parse("1d12h"));
        assertEquals(Duration.ofHours(12), Durations.parse("PT12H"));
        assertEquals("1d12h", Durations.format(Duration.ofHours(36)));
        for (String bad : List.of("", "3", "d3", "3x", "-1d", "0s", "3d 4h")) {
            assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), bad);
        }
    }

    @Test
    void sharpeBarsFollowTheDataUnlessTrades() throws Exception {
        assertEquals(Duration.ofDays(1), Backtest.sharpeBar(DataDefaults.scan("classpath:appleinc_bars_from_20130101_usd.csv", null)));
        assertEquals(Duration.ofMinutes(5), Backtest.sharpeBar(DataDefaults.scan("classpath:ETH-USD-PT5M-2023-3-13_2023-3-15.json", null)));
        assertEquals(Duration.ofMinutes(30), Backtest.sharpeBar(new DataDefaults.Profile(1000, 1800, 1)));
        assertEquals(Duration.ofMinutes(5), Backtest.sharpeBar(new DataDefaults.Profile(1000, 0.8, 1)), "trades: 5-minute bars");
        assertEquals(Duration.ofMinutes(5), Backtest.sharpeBar(new DataDefaults.Profile(1000, 60, 1)), "never shorter than 5 minutes");
    }

    @Test
    void foldsTileTheDataAfterTheFirstTrainingWindow() throws Exception {
        Path csv = tmp.resolve("t.csv");
        new SyntheticTicks(6000, 0, 1e-4, 1e-4, 1, 60_000, 1).writeCsv(csv, "X"); // one tick a minute for 100 hours
        Map<String, TickSeries> m = TickSeries.read(csv.toString(), null, 50, 0, new RowCounts());
        TickSeries s = m.get("X");
        List<FoldPlan.Fold> folds = FoldPlan.plan(s, Duration.ofHours(48), Duration.ofHours(24), Duration.ofHours(24));
        assertEquals(3, folds.size(), "test windows from hour 48, 72, 96 (the last cut by the data's end)");
        assertEquals(0, folds.get(0).trainStart());
        assertEquals(48 * 60, folds.get(0).testStart());
        assertEquals(72 * 60, folds.get(0).testEnd());
        assertEquals(folds.get(0).testEnd(), folds.get(1).testStart());
        assertEquals(24 * 60, folds.get(1).trainStart());
        assertEquals(6000, folds.get(2).testEnd());

        // Retraining more often than the test window is long: each tick is forecast once, by the freshest model.
        List<FoldPlan.Fold> often = FoldPlan.plan(s, Duration.ofHours(48), Duration.ofHours(24), Duration.ofHours(12));
        for (int i = 1; i < often.size(); i++) {
            assertEquals(often.get(i - 1).testEnd(), often.get(i).testStart());
        }
        assertEquals(6000, often.get(often.size() - 1).testEnd());

        assertThrows(IllegalArgumentException.class, () -> FoldPlan.plan(s, Duration.ofDays(5), Duration.ofDays(1), Duration.ofDays(1)));
        Files.delete(csv);
    }
}
