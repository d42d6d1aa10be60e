package org.mambats.backtest.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The pooled scores and the portfolio on worked examples. */
class PanelMetricsTest {

    private static PooledScores.Part part(double[] loss, double[] ref, double scale, long[] times) {
        return new PooledScores.Part(loss, ref, scale, times, 0, 0, 0);
    }

    @Test
    void pooledLossesAreInEachSymbolsOwnUnits() {
        // Symbol A: model 0.8 of the reference; symbol B, 100 times as volatile: model 1.1 of it.
        long[] t = {0, 1000, 2000, 3000};
        PooledScores.Part a = part(new double[] {0.8, 0.8, 0.8, 0.8}, new double[] {1, 1, 1, 1}, 1.0, t);
        PooledScores.Part b = part(new double[] {110, 110, 110, 110}, new double[] {100, 100, 100, 100}, 100.0, t);
        PooledScores s = PooledScores.pool("1tick", List.of(a, b), 1000, false);
        assertEquals(8, s.n());
        assertEquals(2, s.symbols());
        // (0.8 + 1.1) / 2, not dominated by B's raw size (which would give skill -9.8%).
        assertEquals(0.95, s.relativePinball(), 1e-12);
        assertEquals(0.05, s.skill(), 1e-12);
        PooledScores ref = PooledScores.pool("1tick", List.of(a, b), 1000, true);
        assertEquals(null, ref.dm(), "no DM of a model against itself");
    }

    @Test
    void symbolsThatMoveTogetherDoNotCountAsIndependentEvidence() {
        // Two symbols with the same loss differences at the same times (a market-wide effect): pooling them must give
        // the DM statistic of one of them, not sqrt(2) times it as if they were independent.
        SplittableRandom rnd = new SplittableRandom(3);
        int n = 400;
        long[] times = new long[n];
        double[] loss = new double[n], ref = new double[n];
        for (int i = 0; i < n; i++) {
            times[i] = i * 1000L;
            ref[i] = 1;
            loss[i] = 1 - 0.05 + 0.5 * rnd.nextGaussian();
        }
        PooledScores one = PooledScores.pool("1tick", List.of(part(loss, ref, 1, times)), 1000, false);
        PooledScores two = PooledScores.pool("1tick", List.of(part(loss, ref, 1, times), part(loss.clone(), ref, 1, times)), 1000, false);
        assertTrue(one.dm().statistic() < -1, "the example has an effect: " + one.dm());
        assertEquals(one.dm().statistic(), two.dm().statistic(), 0.15 * Math.abs(one.dm().statistic()),
                "perfectly correlated symbols: " + one.dm() + " vs " + two.dm());

        // Independent symbols do add evidence: the statistic grows by about sqrt(2).
        double[] other = new double[n];
        for (int i = 0; i < n; i++) {
            other[i] = 1 - 0.05 + 0.5 * rnd.nextGaussian();
        }
        PooledScores indep = PooledScores.pool("1tick", List.of(part(loss, ref, 1, times), part(other, ref, 1, times)), 1000, false);
        assertTrue(indep.dm().statistic() < 1.2 * one.dm().statistic(), one.dm() + " vs " + indep.dm());
    }

    @Test
    void aPortfolioOfEqualSleevesIsTheMeanOfTheirValues() {
        // A doubles at t=2; B loses 10% at t=1 and has no tick after t=3; C starts at t=2.
        Portfolio.Sleeve a = new Portfolio.Sleeve("A", new long[] {0, 1000, 2000, 3000}, new double[] {1, 1, 2, 2}, 2, 2);
        Portfolio.Sleeve b = new Portfolio.Sleeve("B", new long[] {0, 1000, 3000}, new double[] {1, 0.9, 0.9}, 2, 2);
        Portfolio.Sleeve c = new Portfolio.Sleeve("C", new long[] {2000, 4000}, new double[] {1, 1.3}, 2, 2);
        Portfolio.Result r = Portfolio.combine(List.of(a, b, c), Duration.ofSeconds(1));
        assertEquals(5, r.times().length, "the union of the sleeves' times");
        double[] expected = {1, (1 + 0.9 + 1) / 3, (2 + 0.9 + 1) / 3, (2 + 0.9 + 1) / 3, (2 + 0.9 + 1.3) / 3};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], r.equity()[i], 1e-12, "t" + i);
        }
        assertEquals(expected[4] - 1, r.cumulativeReturn(), 1e-12);
        double sum = 0;
        for (double v : r.contribution()) {
            sum += v;
        }
        assertEquals(r.cumulativeReturn(), sum, 1e-12, "the contributions add up to the return");
        assertEquals(1 / 3.0, r.contribution()[0], 1e-12);
        assertEquals((1 - 2.9 / 3) / 1.0, r.maxDrawdown(), 1e-12, "from 1 down to 2.9/3");
        assertEquals(6, r.trades());
        assertTrue(Double.isFinite(r.sharpe()));
    }
}
