package org.mambats.backtest.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.ta4j.core.BarSeries;
import org.ta4j.core.BaseBarSeriesBuilder;
import org.ta4j.core.BaseTradingRecord;
import org.ta4j.core.Trade;
import org.ta4j.core.TradingRecord;
import org.ta4j.core.analysis.CashFlow;
import org.ta4j.core.analysis.cost.LinearTransactionCostModel;
import org.ta4j.core.analysis.cost.ZeroCostModel;
import org.ta4j.core.criteria.MaximumDrawdownCriterion;
import org.ta4j.core.criteria.NumberOfPositionsCriterion;
import org.ta4j.core.criteria.NumberOfWinningPositionsCriterion;
import org.ta4j.core.num.DoubleNumFactory;
import org.ta4j.core.num.Num;

/**
 * Runs a sequence of target positions (+1, 0, -1 per scored tick) over the scored ticks and measures the result
 * with ta4j's accounting and criteria where ta4j has them:
 * <ul>
 *   <li>the equity curve is ta4j's {@link CashFlow} over a {@link BaseTradingRecord} with a
 *       {@link LinearTransactionCostModel}: a position is entered and left at a tick's price, the cost c (a fraction of
 *       the traded value) folded into the prices (a buy at P costs {@code P (1 + c)}, a sell yields
 *       {@code P (1 - c)}), marked at every tick while open ({@code P_t / entry} long, {@code 2 - P_t / entry}
 *       short), flat between positions;</li>
 *   <li>maximum drawdown ({@link MaximumDrawdownCriterion}), the number of positions
 *       ({@link NumberOfPositionsCriterion}) and of winning ones, a win being a profit after costs
 *       ({@link NumberOfWinningPositionsCriterion});</li>
 *   <li>ours, because ta4j 0.18 has none: Sharpe with Mertens' standard error and Sortino ({@link Ratios}, on the
 *       equity's returns over fixed-length bars), turnover in units of notional, and exposure.</li>
 * </ul>
 * ta4j bars need strictly increasing times, and many ticks share one: each scored tick is one bar, at a synthetic
 * time one second after the previous; the criteria used here depend on the order of the bars only.
 */
public final class TradingSimulation {
    private static final long DAY_MILLIS = 86_400_000L;
    private static final Instant BAR_CLOCK = Instant.EPOCH;

    private TradingSimulation() {
    }

    /** The scored ticks, shared by every model of a run. */
    public static final class Market {
        public final long[] times;
        public final double[] prices;
        /** True at the last tick of a contiguous block of evaluated ticks: every position is closed there. */
        public final boolean[] blockEnd;
        /** The ticks as ta4j bars, built on first use. */
        private BarSeries series;

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

        synchronized BarSeries series() {
            if (series == null) {
                BarSeries s = new BaseBarSeriesBuilder().withName("scored ticks").withNumFactory(DoubleNumFactory.getInstance()).build();
                for (int k = 0; k < prices.length; k++) {
                    s.barBuilder().timePeriod(Duration.ofSeconds(1)).endTime(BAR_CLOCK.plusSeconds(k + 1L)).closePrice(prices[k]).add();
                }
                series = s;
            }
            return series;
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
        BarSeries series = m.series();
        Num one = series.numFactory().one();
        List<Trade> trades = new ArrayList<>();
        int current = 0;
        double turnover = 0;
        long held = 0;
        for (int k = 0; k < n; k++) {
            int want = m.blockEnd[k] || k == n - 1 ? 0 : Integer.signum(positions[k]);
            if (want != current) {
                Num price = series.numFactory().numOf(m.prices[k]);
                turnover += Math.abs(want - current);
                if (current != 0) { // leave: sell a long, buy back a short
                    trades.add(current > 0 ? Trade.sellAt(k, price, one) : Trade.buyAt(k, price, one));
                }
                if (want != 0) { // enter, at the same tick when reversing
                    trades.add(want > 0 ? Trade.buyAt(k, price, one) : Trade.sellAt(k, price, one));
                }
                current = want;
            }
            if (current != 0) {
                held++;
            }
        }
        TradingRecord record = trades.isEmpty() ? new BaseTradingRecord()
                : new BaseTradingRecord(new LinearTransactionCostModel(costFraction), new ZeroCostModel(), trades.toArray(Trade[]::new));
        CashFlow cash = new CashFlow(series, record);
        double[] equity = new double[n];
        for (int k = 0; k < n; k++) {
            equity[k] = cash.getValue(k).doubleValue();
        }
        long positionsClosed = (long) new NumberOfPositionsCriterion().calculate(series, record).doubleValue();
        long wins = (long) new NumberOfWinningPositionsCriterion().calculate(series, record).doubleValue();
        double maxDrawdown = new MaximumDrawdownCriterion().calculate(series, record).doubleValue();
        double[] barReturns = Ratios.barReturns(m.times, equity, bar.toMillis());
        double perYear = 365.0 * DAY_MILLIS / bar.toMillis();
        return new Result(equity[n - 1] - 1, Ratios.sharpe(barReturns, perYear), Ratios.sharpeStandardError(barReturns, perYear),
                Ratios.sortino(barReturns, perYear), maxDrawdown, positionsClosed == 0 ? Double.NaN : (double) wins / positionsClosed,
                positionsClosed, wins, turnover, turnover / m.days(), (double) held / (n - 1), equity);
    }
}
