package org.mambats.model.tick;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;

/**
 * Any tick file (CSV in each layout, or ta4j's bar JSON) is read row by row, each row a tick or a reason, or refused
 * whole with an {@link IOException} (no header, no time column, not bar JSON). No other exception escapes.
 */
class TickFileFuzzTest {
    @FuzzTest
    @DictionaryEntries({"ts,symbol,price,size,bid,ask,seq\\x0A", "timestamp,price,amount\\x0A", "date,open,high,low,close,volume\\x0A", "\\x0A",
            "2013-11-25", "1385411000", "1700000000000", "2024-01-02T03:04:05Z", "\"startTime\"", "\"closePrice\"", "\"volume\"",
            "\"endTime\"", "NaN", "-1", "1e309", ",,", "\uFEFF"})
    void anyFileIsReadRowByRowOrRefused(FuzzedDataProvider data) {
        boolean barJson = data.consumeBoolean();
        String text = data.consumeRemainingAsString();
        int[] rows = {0};
        try {
            if (barJson) {
                BarJson.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "fuzz.json", "SYM", row -> count(row, rows));
            } else {
                TickCsv.readCsv(new BufferedReader(new StringReader(text)), "fuzz.csv", "SYM", row -> count(row, rows));
            }
        } catch (IOException refused) {
            assertTrue(refused.getMessage() != null && !refused.getMessage().isBlank(), "a refusal says why");
        }
    }

    private static void count(TickRow row, int[] rows) {
        assertTrue(row.parsed() != (row.error() != null), "row " + row.index() + ": exactly one of a tick and a reason");
        assertTrue(row.index() == rows[0]++, "rows are numbered in order");
    }
}
