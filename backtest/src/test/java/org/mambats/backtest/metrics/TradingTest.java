package org.mambats.backtest.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mambats.model.features.Horizon;

/** The trading rule, the position accounting and the ratios against worked examples computed by hand. */
class TradingTest {

    @Test
    void ruleTradesWhenTheMedianBeatsTheRoundTrip() {
        TradingRule r = TradingRule.of(Horizon.parseList("1tick,60s"), null, 2, 0);
        assertEquals("60s", r.horizon(), "the last horizon by default");
        assertEquals(4e-4, r.threshold(), 1e-15);
        assertEquals(1, r.decide(5e-4));
        assertEquals(-1, r.decide(-5e-4));
        assertEquals(0, r.decide(3e-4));
        assertEquals(0, r.decide(-4e-4));
        assertEquals(0, TradingRule.of(Horizon.parseList("1tick,60s"), "1tick", 2, 0).horizonIndex());
        assertThrows(IllegalArgumentException.class, () -> TradingRule.of(Horizon.parseList("1tick"), "5s", 2, 0));
    }

    static long[] seconds(int n) {
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            t[i] = i * 1000L;
        }
        return t;
    }

    @Test
    void ruleExecutesAtTheNextTickAndHoldsForTheHorizon() {
        TradingRule r = TradingRule.of(Horizon.parseList("3s"), null, 1, 0);
        double up = 1e-3, down = -1e-3;
        // Decide long at 0 -> held from tick 1 until the first tick at or after 1 s + 3 s (tick 4, where the signal 0 is
        // decided; flat from tick 5); the short signal at tick 2 is ignored (holding); short decided at 6, held from 7.
        int[] p = r.positions(new double[] {up, 0, down, down, 0, 0, down, 0, 0, 0}, seconds(10), new boolean[10]);
        assertArrayEquals(new int[] {0, 1, 1, 1, 1, 0, 0, -1, -1, 0}, p);

        // The same decision at the end of the holding period keeps the position: one entry, one exit.
        int[] keep = r.positions(new double[] {up, 0, 0, 0, up, 0, 0, 0, 0, 0}, seconds(10), new boolean[10]);
        assertArrayEquals(new int[] {0, 1, 1, 1, 1, 1, 1, 1, 1, 0}, keep);

        // Tick horizons hold for that many ticks; a block end closes everything and starts afresh.
        TradingRule ticks = TradingRule.of(Horizon.parseList("2ticks"), null, 1, 0);
        boolean[] blockEnd = new boolean[10];
        blockEnd[6] = true;
        int[] q = ticks.positions(new double[] {up, down, down, down, down, down, up, up, Double.NaN, up}, seconds(10), blockEnd);
        assertArrayEquals(new int[] {0, 1, 1, 1, -1, -1, 0, 0, 1, 0}, q);
    }

    @Test
    void tradeHorizonIsMatchedByLengthAndBadOptionsAreRefused() {
        assertEquals(1, TradingRule.of(Horizon.parseList("1tick,300s"), "5m", 2, 0).horizonIndex(), "5m is the 300s horizon");
        assertEquals(0, TradingRule.of(Horizon.parseList("1tick,300s"), "1ticks", 2, 0).horizonIndex());
        assertThrows(IllegalArgumentException.class, () -> TradingRule.of(Horizon.parseList("1tick,300s"), "1tick5", 2, 0));
        assertThrows(IllegalArgumentException.class, () -> TradingRule.of(Horizon.parseList("1tick,300s"), null, 2, -1));
    }

    @Test
    void anOrderFillsAtTheFirstTickAtLeastTheLatencyLater() {
        // Ticks in bursts sharing a second: 0 0 0 1 1 2 5 5 6 9 (seconds). Horizon 2s, long signal at tick 0 only.
        long[] t = {0, 0, 0, 1000, 1000, 2000, 5000, 5000, 6000, 9000};
        double up = 1e-3;
        double[] med = {up, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        boolean[] none = new boolean[10];
        // Next tick: filled at tick 1, the same second as the decision; held until 0 s + 2 s -> tick 5, flat from 6.
        assertArrayEquals(new int[] {0, 1, 1, 1, 1, 1, 0, 0, 0, 0}, TradingRule.of(Horizon.parseList("2s"), null, 1, 0).positions(med, t, none));
        // 1 s: filled at tick 3 (the first at 1 s or later); held until 3 s, so tick 6 (5 s) decides flat, and that order
        // fills at the first tick at 6 s or later: tick 8.
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1, 1, 1, 0, 0}, TradingRule.of(Horizon.parseList("2s"), null, 1, 1000).positions(med, t, none));
        // 3 s: the first tick at or after 3 s is tick 6; while the order is pending no other decision is made.
        double[] flip = {up, -up, -up, -up, -up, -up, 0, 0, 0, 0};
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 1, 1, 1, 0}, TradingRule.of(Horizon.parseList("2s"), null, 1, 3000).positions(flip, t, none));
        // An order still pending at a block's end is dropped: the block closes flat and the next starts afresh.
        boolean[] blockEnd = new boolean[10];
        blockEnd[4] = true;
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, TradingRule.of(Horizon.parseList("2s"), null, 1, 5000).positions(med, t, blockEnd));
    }

    @Test
    void workedExampleLongShortFlatLong() {
        // Prices 100, 101, 99, 99, 102; wishes long, short, flat, long; 10 bps costs (c = 0.001).
        long[] t = {0, 60_000, 120_000, 180_000, 240_000};
        double[] p = {100, 101, 99, 99, 102};
        TradingSimulation.Market m = new TradingSimulation.Market(t, p, new boolean[5]);
        TradingSimulation.Result r = TradingSimulation.run(m, new int[] {1, -1, 0, 1, 1}, 0.001, Duration.ofMinutes(1));
        // Tick 0: buy at 100 * 1.001 = 100.1.
        // Tick 1: sell at 101 * 0.999 = 100.899 (long: 100.899 / 100.1 = 1.007982...), then short, entry 100.899.
        // Tick 2: buy back at 99 * 1.001 = 99.099 (short: 2 - 99.099 / 100.899 = 1.017839...).
        // Tick 3: buy at 99.099. Tick 4 (last): sell at 102 * 0.999 = 101.898 (101.898 / 99.099).
        double e1 = 100.899 / 100.1, e2 = e1 * (2 - 99.099 / 100.899), e4 = e2 * (101.898 / 99.099);
        assertArrayEquals(new double[] {1, e1, e2, e2, e4}, r.equity(), 1e-12);
        assertEquals(1.0549418595209168, e4, 1e-12);
        assertEquals(e4 - 1, r.cumulativeReturn(), 1e-12);
        assertEquals(3, r.trades());
        assertEquals(3, r.winningTrades());
        assertEquals(1.0, r.hitRate(), 0);
        assertEquals(6, r.turnover(), 0, "enter 1, reverse 2, exit 1, enter 1, exit 1");
        assertEquals(6 / (240_000 / 86_400_000.0), r.turnoverPerDay(), 1e-9);
        assertEquals(3 / 4.0, r.exposure(), 1e-12, "positions held over steps 0-1, 1-2, 3-4");
        assertEquals(0, r.maxDrawdown(), 1e-12, "equity never falls");
    }

    @Test
    void losingShortAndMarkToMarket() {
        // Short at 100 (no costs), price rises to 110 then 105, closed at the end.
        long[] t = {0, 1000, 2000, 3000};
        double[] p = {100, 110, 105, 105};
        TradingSimulation.Result r = TradingSimulation.run(new TradingSimulation.Market(t, p, new boolean[4]), new int[] {-1, -1, -1, -1},
                0, Duration.ofSeconds(1));
        assertArrayEquals(new double[] {1, 0.9, 0.95, 0.95}, r.equity(), 1e-12);
        assertEquals(1, r.trades());
        assertEquals(0, r.winningTrades());
        assertEquals(0.1, r.maxDrawdown(), 1e-12);
    }

    @Test
    void positionsCloseAtBlockEnds() {
        long[] t = {0, 1000, 2000, 3000};
        double[] p = {100, 102, 104, 100};
        boolean[] blockEnd = {false, true, false, true};
        TradingSimulation.Result r = TradingSimulation.run(new TradingSimulation.Market(t, p, blockEnd), new int[] {1, 1, 1, 1}, 0,
                Duration.ofSeconds(1));
        // Long 100 -> 102 (closed at the block end), flat across the gap, long 104 -> 100.
        assertArrayEquals(new double[] {1, 1.02, 1.02, 1.02 * 100 / 104}, r.equity(), 1e-12);
        assertEquals(2, r.trades());
        assertEquals(1, r.winningTrades());
        assertEquals(4, r.turnover(), 0);
    }

    @Test
    void ratiosWorkedExamples() {
        double[] r = {0.01, -0.02, 0.03, 0.0};
        // mean .005; sample sd sqrt((.005^2 + .025^2 + .025^2 + .005^2) / 3) = sqrt(.0013 / 3)
        assertEquals(0.005 / Math.sqrt(0.0013 / 3), Ratios.sharpe(r, 1), 1e-12);
        assertEquals(2 * 0.005 / Math.sqrt(0.0013 / 3), Ratios.sharpe(r, 4), 1e-12);
        // downside deviation sqrt(.02^2 / 4) = .01
        assertEquals(0.5, Ratios.sortino(r, 1), 1e-12);
        assertTrue(Double.isNaN(Ratios.sortino(new double[] {0.01, 0.02}, 1)), "no losing period: undefined");
        assertTrue(Double.isNaN(Ratios.sharpe(new double[] {0, 0, 0}, 1)), "no variation: undefined");
    }

    @Test
    void barReturnsTakeTheLastEquityBeforeEachBarEnds() {
        long[] t = {0, 30, 60, 90, 150};
        double[] eq = {1, 1.1, 0.99, 1.0, 1.05};
        // Bars [0, 60), [60, 120), [120, 180): ends at ticks 1, 3, 4.
        assertArrayEquals(new double[] {0.1, 1.0 / 1.1 - 1, 0.05}, Ratios.barReturns(t, eq, 60), 1e-12);
    }

    @Test
    void listOfHorizonsIsRequired() {
        assertThrows(IllegalArgumentException.class, () -> TradingRule.of(List.of(Horizon.parse("1tick")), null, -1, 0));
    }
}
