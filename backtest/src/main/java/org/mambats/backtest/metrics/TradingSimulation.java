package org.mambats.backtest.metrics;

import java.time.Duration;

/**
 * Runs a sequence of target positions (+1, 0, -1 per scored tick) over the scored ticks and measures the result.
 * The accounting follows ta4j's ({@code CashFlow} with a {@code LinearTransactionCostModel}), written out here
 * because ta4j-core 0.18, the managed version, is compiled for Java 21 and this build targets Java 17:
 * <ul>
 *   <li>a position is entered and left at a tick's price; the cost c (a fraction of the traded value) is folded into
 *       the prices: a buy at P costs {@code P (1 + c)}, a sell at P yields {@code P (1 - c)};</li>
 *   <li>while a position is open, the equity is the equity at entry times {@code P_t / entry} (long) or
 *       {@code 2 - P_t / entry} (short), entry being the cost-adjusted entry price, and at the exit the same with the
 *       cost-adjusted exit price; between positions it stays put;</li>
 *   <li>a position wins when its profit after costs is positive: {@code exit - entry} (long) or
 *       {@code entry - exit} (short), cost-adjusted.</li>
 * </ul>
 * Sharpe, Sortino and maximum drawdown come from {@link Ratios}; turnover counts units of notional traded.
 */
public final class TradingSimulation {
    private static final long DAY_MILLIS = 86_400_000L;

    private TradingSimulation() {
    }

    /** The scored ticks, shared by every model of a run. */
    public static final class Market {
        public final long[] times;
        public final double[] prices;
        /** True at the last tick of a contiguous block of evaluated ticks: every position is closed there. */
        public final boolean[] blockEnd;

        public Market(long[] times, double[] prices, boolean[] blockEnd) {
            if (times.length != prices.length || times.length != blockEnd.length || times.length < 2) {
                throw new IllegalArgumentException("a market needs at least 2 ticks and as many times, prices and block ends");
            }
            this.times = times;
            this.prices = prices;
            this.blockEnd = blockEnd;
        }

        public int size() {
            return times.length;
        }

        public double days() {
            return Math.max(1, times[times.length - 1] - times[0]) / (double) DAY_MILLIS;
        }
    }

    /** {@code sharpeStandardError}: see {@link Ratios#sharpeStandardError}; a 95% interval is sharpe +- 1.96 of it. */
    public record Result(double cumulativeReturn, double sharpe, double sharpeStandardError, double sortino, double maxDrawdown,
                         double hitRate, long trades, long winningTrades, double turnover, double turnoverPerDay, double exposure,
                         double[] equity) {
        /** The 95% confidence interval of the Sharpe ratio: {low, high}. */
        public double[] sharpeInterval95() {
            return new double[] {sharpe - 1.96 * sharpeStandardError, sharpe + 1.96 * sharpeStandardError};
        }
    }

    /**
     * @param positions    the rule's wish at each tick (+1, 0, -1); overridden to 0 at block ends and at the last tick
     * @param costFraction cost per unit of notional traded
     * @param bar          length of the bars whose equity returns give the Sharpe and Sortino ratios
     */
    public static Result run(Market m, int[] positions, double costFraction, Duration bar) {
        int n = m.size();
        if (positions.length != n) {
            throw new IllegalArgumentException(positions.length + " positions for " + n + " ticks");
        }
        double[] equity = new double[n];
        double c = costFraction;
        int current = 0;
        double entryEquity = 1, entryPrice = 0, value = 1, turnover = 0;
        long held = 0, trades = 0, wins = 0;
        for (int k = 0; k < n; k++) {
            double p = m.prices[k];
            int want = m.blockEnd[k] || k == n - 1 ? 0 : Integer.signum(positions[k]);
            if (current != 0) {
                boolean closing = want != current;
                // Mark to the tick's price; on the way out, at the cost-adjusted exit price.
                double exit = closing ? (current > 0 ? p * (1 - c) : p * (1 + c)) : p;
                double ratio = current > 0 ? exit / entryPrice : 2 - exit / entryPrice;
                value = entryEquity * ratio;
                if (closing) {
                    trades++;
                    if (current > 0 ? exit > entryPrice : entryPrice > exit) {
                        wins++;
                    }
                }
            }
            if (want != current) {
                turnover += Math.abs(want - current);
                if (want != 0) {
                    entryEquity = value;
                    entryPrice = want > 0 ? p * (1 + c) : p * (1 - c);
                }
                current = want;
            }
            if (current != 0) {
                held++;
            }
            equity[k] = value;
        }
        double[] barReturns = Ratios.barReturns(m.times, equity, bar.toMillis());
        double perYear = 365.0 * DAY_MILLIS / bar.toMillis();
        return new Result(equity[n - 1] - 1, Ratios.sharpe(barReturns, perYear), Ratios.sharpeStandardError(barReturns, perYear),
                Ratios.sortino(barReturns, perYear),
                Ratios.maxDrawdown(equity), trades == 0 ? Double.NaN : (double) wins / trades, trades, wins, turnover,
                turnover / m.days(), (double) held / (n - 1), equity);
    }
}
