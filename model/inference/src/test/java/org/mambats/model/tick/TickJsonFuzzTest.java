package org.mambats.model.tick;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Any message on the ticks topic is either a tick or a reason (what the dead-letter topic gets); the parser never
 * throws, and a tick with finite numbers survives being written and read again unchanged.
 */
class TickJsonFuzzTest {
    @FuzzTest
    @DictionaryEntries({"\"symbol\"", "\"ts\"", "\"price\"", "\"size\"", "\"bid\"", "\"ask\"", "\"seq\"", "\"BTCUSD\"",
            "1700000000000", "\"2024-01-02T03:04:05Z\"", "NaN", "1e-300", "-0.0", "null", "{", "}", "[", ":", ","})
    void anyMessageIsATickOrAReason(byte[] message) {
        TickJson.Parsed parsed = TickJson.parse(message);
        assertTrue((parsed.tick() == null) != (parsed.error() == null), "exactly one of a tick and a reason");
        if (parsed.error() != null) {
            assertTrue(!parsed.error().isBlank(), "the reason is not empty");
            return;
        }
        Tick t = parsed.tick();
        if (t.symbol() != null && Double.isFinite(t.price()) && Double.isFinite(t.size())) {
            TickJson.Parsed again = TickJson.parse(TickJson.write(t));
            assertEquals(t, again.tick(), "written and read again: " + again.error());
        }
    }
}
