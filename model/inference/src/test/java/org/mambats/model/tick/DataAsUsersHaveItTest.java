package org.mambats.model.tick;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.model.tick.RowCounts;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.features.Horizon;

/** History from before 2000, bar files, day horizons, and a summary of what a file lost and why. */
class DataAsUsersHaveItTest {
    @TempDir
    Path tmp;

    @Test
    void isoTimesOfAnyEraAreHistoryNotUnitMistakes() {
        long t1991 = TickTime.parse("1991-01-02");
        assertEquals(Instant.parse("1991-01-02T00:00:00Z").toEpochMilli(), t1991);
        assertEquals(Instant.parse("1996-03-04T10:30:00Z").toEpochMilli(), TickTime.parse("1996-03-04 10:30"));
        assertNull(TickValidator.fieldProblem(Tick.trade("DAX", t1991, 1400, 0, 0)), "a 1991 tick is a tick");
    }

    /** Before 1970 epoch times are negative: the features' clock must start at the first tick, not at 0. */
    @Test
    void historyBefore1970KeepsItsClock() {
        org.mambats.model.features.TickFeatures f = new org.mambats.model.features.TickFeatures(11);
        org.mambats.model.features.TickFeatures.State s = new org.mambats.model.features.TickFeatures.State();
        float[] out = new float[org.mambats.model.features.TickFeatures.COUNT];
        f.next(Tick.trade("IDX", TickTime.parse("1965-01-04"), 100, 0, 0), s, out, 0);
        double elapsed = f.next(Tick.trade("IDX", TickTime.parse("1965-01-05"), 101, 0, 1), s, out, 0);
        assertEquals(86_400, elapsed, 1e-9);
        assertEquals(TickTime.parse("1965-01-05"), s.lastTimeMillis());
    }

    @Test
    void numericEpochsOutsideTheirRangeAreRefusedWithTheLikelyMistake() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TickTime.parse("1700000000"));
        assertTrue(e.getMessage().contains("seconds for milliseconds"), e.getMessage());
        TickJson.Parsed p = TickJson.parse("{\"symbol\":\"X\",\"ts\":1700000000,\"price\":1,\"size\":1}".getBytes(StandardCharsets.UTF_8));
        assertNull(p.tick());
        assertTrue(p.error().contains("implausible numeric time"), p.error());
        assertEquals(1_700_000_000_000L, TickTime.parse("1700000000000"));
    }

    @Test
    void aBarFileReadsAsTicksOfItsCloses() throws Exception {
        Path csv = tmp.resolve("bars.csv");
        Files.writeString(csv, "Date,Open,High,Low,Close,Volume\n1991-01-02,10,11,9,10.5,1000\n1991-01-03,10.5,11,10,10.8,900\n");
        List<TickRow> rows = TickCsv.readAll(csv.toString(), "DAX");
        assertEquals(2, rows.size());
        assertEquals(10.8, rows.get(1).tick().price());
        assertEquals(900, rows.get(1).tick().size());
        assertEquals(Instant.parse("1991-01-03T00:00:00Z").toEpochMilli(), rows.get(1).tick().timeMillis());
    }

    @Test
    void aRowTooShortForItsTimeIsRejectedAndTheRestIsRead() throws Exception {
        Path csv = tmp.resolve("short.csv");
        Files.writeString(csv, "symbol,ts,price,size\nBTCUSD\nBTCUSD,2024-01-02T03:04:05Z,100,1\n");
        List<TickRow> rows = TickCsv.readAll(csv.toString(), "X");
        assertEquals(2, rows.size());
        assertEquals("row has 1 fields, needs column 2", rows.get(0).error());
        assertEquals(100, rows.get(1).tick().price());
    }

    @Test
    void theApplesDailyBarsShippedWithTa4jRead() throws Exception {
        RowCounts counts = new RowCounts();
        Map<String, TickSeries> s = TickSeries.read("classpath:appleinc_bars_from_20130101_usd.csv", "AAPL", 11, 0, counts);
        assertTrue(s.get("AAPL").length > 200, counts.toString());
        assertEquals(counts.rows, counts.accepted, counts.reasons.lines().toString());
    }

    @Test
    void theEthFiveMinuteBarsShippedWithTa4jRead() throws Exception {
        RowCounts counts = new RowCounts();
        Map<String, TickSeries> s = TickSeries.read("classpath:ETH-USD-PT5M-2023-3-13_2023-3-15.json", null, 11, 0, counts);
        TickSeries eth = s.get("ETH/USD");
        assertTrue(eth != null && eth.length > 500, s.keySet() + " " + counts);
        assertEquals(300_000, eth.times[1] - eth.times[0], "five-minute bars");
    }

    @Test
    void rejectionsAreSummarisedByReasonWithTheFirstExample() throws Exception {
        Path csv = tmp.resolve("ticks.csv");
        Files.writeString(csv, String.join("\n", "symbol,ts,price,size",
                "X,1996-01-01T00:00:00Z,10,1", "X,1996-01-01T00:00:01Z,-1,1", "X,1996-01-01T00:00:02Z,-2,1",
                "X,1700000000,10,1", "X,1996-01-01T00:00:03Z,abc,1", "X,1996-01-01T00:00:04Z,11,1") + "\n");
        RowCounts counts = new RowCounts();
        TickSeries.read(csv.toString(), null, 50, 0, counts);
        assertEquals(2, counts.accepted);
        assertEquals(2, counts.reasons.count("rejected: non-positive price"));
        assertEquals(1, counts.reasons.count("unparseable: implausible numeric time"));
        assertEquals(1, counts.reasons.count("unparseable: unparseable price"));
        String first = counts.reasons.lines().get(0);
        assertTrue(first.startsWith("2 rejected: non-positive price (first: data row 2: non-positive price -1.0"), first);
    }

    @Test
    void horizonsInDays() {
        assertEquals(86_400_000L, Horizon.parse("1d").millis());
        assertEquals(5 * 86_400_000L, Horizon.parse("5d").millis());
    }
}
