package org.mambats.ingest.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The stream's status line reports the last interval, not a mean since start that hides a slowdown. */
class OperatorCountersTest {
    @Test
    void ratesAreThoseOfTheInterval() {
        OperatorCounters.Reading start = new OperatorCounters.Reading(0, 0, 0, 0);
        // First 10 s: 1,000 ticks at 10 us each; next 10 s: 500 ticks at 40 us each.
        OperatorCounters.Reading first = new OperatorCounters.Reading(10_000_000_000L, 1_000, 1_000, 10_000_000L);
        OperatorCounters.Reading second = new OperatorCounters.Reading(20_000_000_000L, 1_500, 1_500, 30_000_000L);
        assertEquals("100 ticks/s, model 10.0 us/tick", first.ratesSince(start));
        assertEquals("50 ticks/s, model 40.0 us/tick", second.ratesSince(first));
        assertEquals("0 ticks/s, model idle", new OperatorCounters.Reading(30_000_000_000L, 1_500, 1_500, 30_000_000L).ratesSince(second));
    }
}
