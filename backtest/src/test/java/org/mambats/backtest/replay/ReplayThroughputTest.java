package org.mambats.backtest.replay;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReplayThroughputTest {
    @Test
    void measuresBothFigures() {
        ReplayThroughput.Result r = ReplayThroughput.measure(3000, 1);
        System.out.printf("replay %,.0f ticks/s, raw step %,.0f ticks/s (smoke run, not a measurement)%n", r.replayTicksPerSecond(),
                r.rawStepTicksPerSecond());
        assertTrue(r.replayTicksPerSecond() > 1000 && r.rawStepTicksPerSecond() > 1000);
    }
}
