package org.mambats.backtest.metrics;

import java.util.List;
import java.util.Locale;
import org.mambats.model.features.Horizon;

/**
 * The stated rule every model trades by, the same for every model so that it compares forecasts, not strategies:
 * <ol>
 *   <li>decide at a tick, from the forecast made at that tick: long one unit of notional when the median forecast of
 *       the chosen horizon's log return is above the round-trip cost ({@code 2 * costs}), short when it is below minus
 *       that, else flat;</li>
 *   <li>execute at the next tick's price (one tick of latency: nobody trades at the price of the print that made the
 *       forecast);</li>
 *   <li>hold a position for the horizon (time horizons: until the first tick at or after execution + h; tick
 *       horizons: h ticks), then decide again; the same decision keeps the position (no trade), a different one changes
 *       it; while flat, decide at every tick;</li>
 *   <li>pay {@code costs} per unit of notional traded (a reversal trades two); be flat at the end of every evaluated
 *       block.</li>
 * </ol>
 * Trades happen at trade prints, not at quotes (the tick files carry no quotes): the bid-ask bounce of trade prices
 * makes any tick-level rule look better than it is, so the costs should include the half-spread.
 */
public record TradingRule(String horizon, int horizonIndex, double costsBps, boolean holdInTicks, long holdAmount) {

    public static TradingRule of(List<Horizon> horizons, String label, double costsBps) {
        if (!(costsBps >= 0)) {
            throw new IllegalArgumentException("--costs-bps must be >= 0, got " + costsBps);
        }
        int h = horizons.size() - 1;
        if (label != null) {
            h = -1;
            for (int i = 0; i < horizons.size(); i++) {
                if (horizons.get(i).label().equals(label)) {
                    h = i;
                }
            }
            if (h < 0) {
                throw new IllegalArgumentException("--trade-horizon " + label + " is not among the horizons "
                        + horizons.stream().map(Horizon::label).toList());
            }
        }
        Horizon hz = horizons.get(h);
        return new TradingRule(hz.label(), h, costsBps, hz.inTicks(), hz.inTicks() ? hz.amount() : hz.millis());
    }

    /** Cost per unit of notional traded, as a fraction. */
    public double costFraction() {
        return costsBps * 1e-4;
    }

    /** The median must beat this (a log return) to trade: the cost of entering and leaving. */
    public double threshold() {
        return 2 * costFraction();
    }

    /** The decision for one median forecast: +1, 0 or -1. */
    public int decide(double median) {
        double t = threshold();
        return median > t ? 1 : median < -t ? -1 : 0;
    }

    /**
     * The position held from each tick to the next (entered or left at that tick's price), from the median forecasts
     * at each tick ({@code NaN}: no forecast, decide flat). {@code blockEnd} marks the last tick of each contiguous
     * block; the result is 0 there and at the last tick.
     */
    public int[] positions(double[] median, long[] times, boolean[] blockEnd) {
        int n = median.length;
        int[] out = new int[n];
        int current = 0;
        int pending = Integer.MIN_VALUE; // a decision made at the previous tick, executed at this one
        long holdUntilTime = Long.MIN_VALUE;
        long holdUntilIndex = Long.MIN_VALUE;
        for (int k = 0; k < n; k++) {
            if (pending != Integer.MIN_VALUE) {
                current = pending;
                pending = Integer.MIN_VALUE;
                if (current != 0) {
                    holdUntilIndex = holdInTicks ? k + holdAmount : Long.MIN_VALUE;
                    holdUntilTime = holdInTicks ? Long.MIN_VALUE : times[k] + holdAmount;
                }
            }
            if (blockEnd[k] || k == n - 1) {
                current = 0;
                holdUntilIndex = Long.MIN_VALUE;
                holdUntilTime = Long.MIN_VALUE;
                out[k] = 0;
                continue;
            }
            out[k] = current;
            boolean free = current == 0 || (holdInTicks ? k >= holdUntilIndex : times[k] >= holdUntilTime);
            if (free) {
                pending = Double.isFinite(median[k]) ? decide(median[k]) : 0;
            }
        }
        return out;
    }

    public String describe() {
        return String.format(Locale.ROOT, "Decide at every tick while flat, and when a position's holding period is over: long 1 unit "
                + "when the median %s log-return forecast made at that tick is above %.1f bps (the round trip, 2 x %.1f bps costs), "
                + "short when below -%.1f bps, else flat. Execute at the next tick's price (one tick of latency) and hold for %s; "
                + "the same decision at the end of the holding period keeps the position. %.1f bps of the notional traded is paid on "
                + "every change (a reversal trades 2 units); flat at the end of each evaluated block. Equity compounds per position "
                + "(long P/P_entry, short 2 - P/P_entry, on cost-adjusted prices). Trades happen at trade prints: with no quotes in "
                + "the data, the bid-ask bounce flatters tick-level trading, so the costs should cover the half-spread.",
                horizon, 1e4 * threshold(), costsBps, 1e4 * threshold(), holdInTicks ? holdAmount + " ticks" : horizon, costsBps);
    }
}
