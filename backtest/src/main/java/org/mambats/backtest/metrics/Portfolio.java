package org.mambats.backtest.metrics;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Per-symbol trading results combined into one book: each symbol is a sleeve given an equal share of the capital at
 * the start and left alone (not rebalanced, so no rebalancing trades and no costs hidden in them). The book's value
 * at any time is the mean of the sleeves' values (a sleeve is worth its starting share before its first scored
 * tick and after its last). Costs are each sleeve's own; Sharpe, its interval and Sortino come from the book's
 * returns over fixed bars, drawdown from its value at every tick of any sleeve.
 */
public final class Portfolio {
    private static final double DAY_MILLIS = 86_400_000.0;

    private Portfolio() {
    }

    /** One symbol's sleeve: its scored ticks' times and the equity of its trading at each (starting at 1). */
    public record Sleeve(String symbol, long[] times, double[] equity, long trades, double turnover) {
    }

    /**
     * @param contribution per sleeve (in the order given), its share of the book's cumulative return:
     *                     {@code (final equity - 1) / sleeves}; they add up to {@code cumulativeReturn}
     */
    public record Result(int sleeves, double cumulativeReturn, double sharpe, double sharpeStandardError, double sortino,
                         double maxDrawdown, long trades, double turnoverPerDay, double[] contribution, long[] times,
                         double[] equity) {
        public double[] sharpeInterval95() {
            return new double[] {sharpe - 1.96 * sharpeStandardError, sharpe + 1.96 * sharpeStandardError};
        }
    }

    public static Result combine(List<Sleeve> sleeves, Duration bar) {
        if (sleeves.isEmpty()) {
            throw new IllegalArgumentException("a portfolio needs at least one sleeve");
        }
        int total = sleeves.stream().mapToInt(s -> s.times().length).sum();
        long[] times = new long[total];
        int at = 0;
        for (Sleeve s : sleeves) {
            System.arraycopy(s.times(), 0, times, at, s.times().length);
            at += s.times().length;
        }
        Arrays.sort(times);
        int n = 0;
        for (int i = 0; i < times.length; i++) {
            if (n == 0 || times[i] != times[n - 1]) {
                times[n++] = times[i];
            }
        }
        times = Arrays.copyOf(times, n);
        double[] equity = new double[n];
        int[] next = new int[sleeves.size()];
        double[] value = new double[sleeves.size()];
        Arrays.fill(value, 1);
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int s = 0; s < sleeves.size(); s++) {
                Sleeve sl = sleeves.get(s);
                while (next[s] < sl.times().length && sl.times()[next[s]] <= times[i]) {
                    value[s] = sl.equity()[next[s]++];
                }
                sum += value[s];
            }
            equity[i] = sum / sleeves.size();
        }
        double peak = equity.length == 0 ? 1 : Math.max(1, equity[0]), drawdown = 0;
        for (double v : equity) {
            peak = Math.max(peak, v);
            drawdown = Math.max(drawdown, (peak - v) / peak);
        }
        double[] contribution = new double[sleeves.size()];
        long trades = 0;
        double turnover = 0;
        for (int s = 0; s < sleeves.size(); s++) {
            double[] e = sleeves.get(s).equity();
            contribution[s] = e.length == 0 ? 0 : (e[e.length - 1] - 1) / sleeves.size();
            trades += sleeves.get(s).trades();
            turnover += sleeves.get(s).turnover() / sleeves.size();
        }
        double days = n < 2 ? 1 : Math.max(1, times[n - 1] - times[0]) / DAY_MILLIS;
        double[] barReturns = Ratios.barReturns(times, equity, bar.toMillis());
        double perYear = 365.0 * DAY_MILLIS / bar.toMillis();
        return new Result(sleeves.size(), n == 0 ? 0 : equity[n - 1] - 1, Ratios.sharpe(barReturns, perYear),
                Ratios.sharpeStandardError(barReturns, perYear), Ratios.sortino(barReturns, perYear), drawdown, trades, turnover / days,
                contribution, times, equity);
    }
}
