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
 *   <li>execute at the price of the first tick at least {@code latency} after the decision, and never at the decision's own
 *       tick (latency 0: the next tick). Why a time and not "the next tick": prints often come in bursts with one
 *       time stamp (one order sweeping the book; 41% of the Bitstamp ticks share their second with the one before), and
 *       a fill further along the same sweep, at a price no real system could reach in time, made a mean-reversion
 *       signal look far better than it is;</li>
 *   <li>hold a position for the horizon (time horizons: until the first tick at or after execution + h; tick
 *       horizons: h ticks), then decide again; the same decision keeps the position (no trade), a different one changes
 *       it; while flat, decide at every tick;</li>
 *   <li>pay {@code costs} per unit of notional traded (a reversal trades two); be flat at the end of every evaluated
 *       block.</li>
 * </ol>
 * Trades happen at trade prints, not at quotes (the tick files carry no quotes): the bid-ask bounce of trade prices
 * makes any tick-level rule look better than it is, so the costs should include the half-spread.
 */
public record TradingRule(String horizon, int horizonIndex, double costsBps, boolean holdInTicks, long holdAmount, long latencyMillis) {

    /**
     * The rule trading the horizon {@code label} (null: the last one; matched by its length, so {@code 5m} finds a
     * horizon written {@code 300s}).
     */
    public static TradingRule of(List<Horizon> horizons, String label, double costsBps, long latencyMillis) {
        if (!(costsBps >= 0)) {
            throw new IllegalArgumentException("trading costs must be >= 0 bps, got " + costsBps);
        }
        if (latencyMillis < 0) {
            throw new IllegalArgumentException("order latency must be >= 0 ms, got " + latencyMillis);
        }
        int h = horizons.size() - 1;
        if (label != null) {
            Horizon wanted;
            try {
                wanted = Horizon.parse(label);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("trade horizon: " + e.getMessage());
            }
            h = -1;
            for (int i = 0; i < horizons.size(); i++) {
                Horizon c = horizons.get(i);
                if (c.inTicks() == wanted.inTicks() && c.amount() == wanted.amount()) {
                    h = i;
                }
            }
            if (h < 0) {
                throw new IllegalArgumentException("trade horizon " + label + " is not among the horizons "
                        + horizons.stream().map(Horizon::label).toList());
            }
        }
        Horizon hz = horizons.get(h);
        return new TradingRule(hz.label(), h, costsBps, hz.inTicks(), hz.inTicks() ? hz.amount() : hz.millis(), latencyMillis);
    }

    /** The same rule with another latency. */
    public TradingRule withLatency(long millis) {
        return new TradingRule(horizon, horizonIndex, costsBps, holdInTicks, holdAmount, millis);
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
     * block; the result is 0 there and at the last tick. A decision still waiting for its fill at a block's end is
     * dropped.
     */
    public int[] positions(double[] median, long[] times, boolean[] blockEnd) {
        int n = median.length;
        int[] out = new int[n];
        int current = 0;
        int pending = Integer.MIN_VALUE; // a decision waiting for its fill: at the first later tick at or after fillAt
        long fillAt = Long.MIN_VALUE;
        long holdUntilTime = Long.MIN_VALUE;
        long holdUntilIndex = Long.MIN_VALUE;
        for (int k = 0; k < n; k++) {
            if (pending != Integer.MIN_VALUE && times[k] >= fillAt) {
                current = pending;
                pending = Integer.MIN_VALUE;
                if (current != 0) {
                    holdUntilIndex = holdInTicks ? k + holdAmount : Long.MIN_VALUE;
                    holdUntilTime = holdInTicks ? Long.MIN_VALUE : times[k] + holdAmount;
                }
            }
            if (blockEnd[k] || k == n - 1) {
                current = 0;
                pending = Integer.MIN_VALUE;
                holdUntilIndex = Long.MIN_VALUE;
                holdUntilTime = Long.MIN_VALUE;
                out[k] = 0;
                continue;
            }
            out[k] = current;
            boolean free = current == 0 || (holdInTicks ? k >= holdUntilIndex : times[k] >= holdUntilTime);
            if (free && pending == Integer.MIN_VALUE) {
                pending = Double.isFinite(median[k]) ? decide(median[k]) : 0;
                fillAt = times[k] + latencyMillis;
            }
        }
        return out;
    }

    public String describe() {
        return String.format(Locale.ROOT, "Decide at every tick while flat, and when a position's holding period is over: long 1 unit "
                + "when the median %s log-return forecast made at that tick is above %.1f bps (the round trip, 2 x %.1f bps costs), "
                + "short when below -%.1f bps, else flat. Execute at the price of the first later tick at least %s after the decision "
                + "(latency) and hold for %s; "
                + "the same decision at the end of the holding period keeps the position. %.1f bps of the notional traded is paid on "
                + "every change (a reversal trades 2 units); flat at the end of each evaluated block. Equity compounds per position "
                + "(long P/P_entry, short 2 - P/P_entry, on cost-adjusted prices). Trades happen at trade prints: with no quotes in "
                + "the data, the bid-ask bounce flatters tick-level trading, so the costs should cover the half-spread.",
                horizon, 1e4 * threshold(), costsBps, 1e4 * threshold(), latencyText(latencyMillis), holdInTicks ? holdAmount + " ticks" : horizon,
                costsBps);
    }

    /** "250 ms", "1 s", "1.5 s". */
    public static String latencyText(long millis) {
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis < 1000 ? millis + " ms" : String.format(Locale.ROOT, "%.3f s", millis / 1000.0);
    }
}
