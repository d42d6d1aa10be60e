package org.mambats.backtest.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The trading metrics now come from ta4j's criteria: on a worked example, by hand, they give what our own accounting
 * gave (and what ta4j-core 0.18 prints for the same record, checked outside the build: return 0.07 and 0.0658042,
 * drawdown 0.0098039, 2 positions, both winning). Closes 100, 102, 101, 105, 103, 108, one a day; long from day 0 to
 * day 3, then short from day 3 to day 4, flat after.
 */
class Ta4jCriteriaTest {
    static final double[] CLOSES = {100, 102, 101, 105, 103, 108};
    static final int[] POSITIONS = {1, 1, 1, -1, 0, 0};

    static TradingSimulation.Market market() {
        long[] times = new long[CLOSES.length];
        for (int i = 0; i < times.length; i++) {
            times[i] = 86_400_000L * i;
        }
        return new TradingSimulation.Market(times, CLOSES, new boolean[CLOSES.length]);
    }

    @Test
    void withoutCosts() {
        TradingSimulation.Result r = TradingSimulation.run(market(), POSITIONS, 0, Duration.ofDays(1));
        // long 105 / 100 = 1.05, short 2 - 103 / 105; equity marked at each close while open.
        assertArrayEquals(new double[] {1, 1.02, 1.01, 1.05, 1.07, 1.07}, r.equity(), 1e-12);
        assertEquals(0.07, r.cumulativeReturn(), 1e-12);
        assertEquals(0.01 / 1.02, r.maxDrawdown(), 1e-12, "the dip from 1.02 to 1.01");
        assertEquals(2, r.trades());
        assertEquals(2, r.winningTrades());
        assertEquals(1.0, r.hitRate());
        assertEquals(4, r.turnover(), 0, "in, out and in again at day 3, out at day 4");
        assertEquals(0.8, r.exposure(), 1e-12, "held 4 of 5 intervals");
    }

    @Test
    void withCostsFoldedIntoThePrices() {
        double c = 0.001;
        TradingSimulation.Result r = TradingSimulation.run(market(), POSITIONS, c, Duration.ofDays(1));
        double entry = 100 * (1 + c), exitLong = 105 * (1 - c);
        double afterLong = exitLong / entry;
        double shortEntry = 105 * (1 - c), shortExit = 103 * (1 + c);
        double end = afterLong * (2 - shortExit / shortEntry);
        assertEquals(102 / entry, r.equity()[1], 1e-12);
        assertEquals(afterLong, r.equity()[3], 1e-12);
        assertEquals(end - 1, r.cumulativeReturn(), 1e-12);
        assertEquals(0.0658041958041958, r.cumulativeReturn(), 1e-12, "ta4j's CashFlow(end) - 1 for the same record");
        assertEquals((102 / entry - 101 / entry) / (102 / entry), r.maxDrawdown(), 1e-12);
        assertEquals(2, r.winningTrades());
    }
}
