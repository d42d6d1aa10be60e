package org.mambats.model.calibration;

import java.util.List;
import org.mambats.model.features.Horizon;

/**
 * Keeps each forecast quantile's coverage at its level under drift, per symbol, horizon and quantile, by quantile
 * tracking (Angelopoulos, Candes and Tibshirani 2023): when a forecast's horizon has passed, its outcome {@code y}
 * is compared with the quantile {@code q} that was sent, and that quantile's offset moves by
 * {@code -rate * w / W * (1{y <= q} - tau)}: w the forecasts it stands for (itself and the ones skipped since the
 * last admitted), W the usual number of forecasts of the horizon in flight (overlapping outcomes share a step). The offset is in units of the forecast's volatility scale, so one rate serves every symbol
 * and volatility level; the long-run share of outcomes at or below a quantile tends to its level whatever the data do.
 *
 * <p>An outcome is the one training scores ({@link org.mambats.model.features.HorizonTargets}): the price
 * {@code k} ticks later, or the last price at or before {@code t + h}, known once a tick after {@code t + h} arrives.
 * Only a subsample of the forecasts waits for its outcome: one admitted per {@code 1/slots} of the horizon, into a
 * ring of {@code slots}, so the state is bounded at any tick rate (a 300 s horizon at 100 ticks/s has 30,000
 * forecasts in flight, the ring 16) and updates arrive at the same pace at any rate. Each admitted forecast is
 * weighted by the forecasts it stands for, so coverage is tracked per forecast, as users read it, and not per
 * second: a burst of trades, whose returns are wider, counts as many forecasts as it made.
 *
 * <p>The median is scored (its share below is counted) but not moved. Its offset would be the drift of the last
 * few dozen outcomes, which on a market close to a random walk is noise that the point forecast pays for: measured
 * before this rule, moving it cost 1.8% pinball (1.4% MAE) on the Apple daily bars at 1tick and 3.9% at 10s on the
 * Bitstamp trades, while the band's coverage comes from the outer levels alone.
 *
 * <p>Deterministic: the same ticks give the same offsets, so a replay, a restore and a backtest agree bit for bit.
 */
public final class QuantileCalibrator {
    /**
     * Default step of the offsets per independent outcome, in scale units: a band missing 10% more than its level
     * moves back by about 0.1 scale units in 25 horizons' worth of outcomes.
     */
    public static final double DEFAULT_RATE = 0.05;
    /** Default number of forecasts per horizon waiting for their outcome. */
    public static final int DEFAULT_SLOTS = 16;

    /** Memory of the typical weight in flight: about 256 resolutions, 16 horizons' worth. */
    static final double TYPICAL_DECAY = 1.0 / 256;

    private final int horizons;
    private final int quantiles;
    private final float[] levels;
    /** Per level: whether its offset moves. The median's does not, see the class comment. */
    private final boolean[] tracked;
    private final boolean[] inTicks;
    /** Per horizon: ticks (tick horizons) or milliseconds (time horizons) from a forecast to its outcome. */
    private final long[] length;
    /** Per horizon: the least spacing between two admitted forecasts, in the horizon's unit. */
    private final long[] spacing;
    private final double rate;
    private final int slots;

    public QuantileCalibrator(List<Horizon> horizonList, float[] levels, double rate, int slots) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("calibration rate must be in [0, 1], got " + rate);
        }
        if (slots < 1 || slots > 4096) {
            throw new IllegalArgumentException("calibration slots must be in [1, 4096], got " + slots);
        }
        this.horizons = horizonList.size();
        this.quantiles = levels.length;
        this.levels = levels.clone();
        this.tracked = new boolean[levels.length];
        for (int j = 0; j < levels.length; j++) {
            tracked[j] = levels[j] != 0.5f;
        }
        this.rate = rate;
        this.slots = slots;
        inTicks = new boolean[horizons];
        length = new long[horizons];
        spacing = new long[horizons];
        for (int h = 0; h < horizons; h++) {
            Horizon hz = horizonList.get(h);
            inTicks[h] = hz.inTicks();
            length[h] = hz.inTicks() ? hz.amount() : hz.millis();
            spacing[h] = Math.max(1, (length[h] + slots - 1) / slots);
        }
    }

    public double rate() {
        return rate;
    }

    public int slots() {
        return slots;
    }

    /** Whether the calibrator moves anything: a rate of 0 sends the model's own quantiles. */
    public boolean enabled() {
        return rate > 0;
    }

    public CalibrationState newState() {
        return new CalibrationState(horizons, quantiles, slots);
    }

    /**
     * Scores the pending forecasts whose outcome tick {@code index} reveals, and moves their offsets. Call before
     * the tick updates the symbol's running state.
     *
     * @param index     the tick's position in the symbol's accepted ticks (0 for the first)
     * @param clock     the symbol's clock after the tick (the latest event time seen)
     * @param lastPrice the price of the previous accepted tick (what a time horizon ending before this tick saw)
     * @param price     this tick's price
     */
    public void resolve(CalibrationState c, long index, long clock, double lastPrice, double price) {
        for (int h = 0; h < horizons; h++) {
            while (c.size[h] > 0) {
                int slot = h * slots + c.head[h];
                double outcomePrice;
                if (inTicks[h]) {
                    if (c.due[slot] > index) {
                        break;
                    }
                    outcomePrice = price;
                } else {
                    if (c.due[slot] >= clock) {
                        break;
                    }
                    outcomePrice = lastPrice;
                }
                float y = (float) Math.log(outcomePrice / c.startPrice[slot]);
                // Outcomes of forecasts in flight together overlap (a 300 s return and the one admitted 19 s later
                // share most of their path), so their misses come in runs: the step is shared among those in flight,
                // and the offset moves about {@code rate} per horizon's worth of outcomes, at any horizon. Each
                // outcome counts for the forecasts it stands for, against the usual number in flight (a long-run
                // average), so a burst of trades weighs as much as the forecasts it made, and a quiet hour little.
                long w = c.weight[slot];
                double typical = c.typicalPendingWeight[h];
                typical = typical == 0 ? c.pendingWeight[h] : typical + TYPICAL_DECAY * (c.pendingWeight[h] - typical);
                c.typicalPendingWeight[h] = typical;
                double step = rate * w / Math.max(1, typical);
                c.pendingWeight[h] -= w;
                int base = h * quantiles;
                for (int j = 0; j < quantiles; j++) {
                    boolean below = y <= c.sent[slot * quantiles + j];
                    if (below) {
                        c.below[base + j]++;
                    }
                    if (tracked[j]) {
                        c.offsets[base + j] -= (float) (step * ((below ? 1 : 0) - levels[j]));
                    }
                }
                c.resolved[h]++;
                c.head[h] = (c.head[h] + 1) % slots;
                c.size[h]--;
            }
        }
    }

    /**
     * Writes the calibrated quantiles of one forecast to {@code out}: the model's quantile plus its offset times the
     * horizon's scale, kept in order (a quantile never below the one before it); then admits the forecast to its
     * horizon's ring if its turn has come.
     *
     * @param raw   the model's quantiles, horizon-major (h * Q + j), as log returns
     * @param scale per horizon, the forecast's volatility scale (a log return)
     */
    public void calibrate(CalibrationState c, float[] raw, float[] scale, long index, long clock, double price, float[] out) {
        for (int h = 0; h < horizons; h++) {
            int base = h * quantiles;
            for (int j = 0; j < quantiles; j++) {
                float q = raw[base + j] + c.offsets[base + j] * scale[h];
                out[base + j] = j > 0 && q < out[base + j - 1] ? out[base + j - 1] : q;
            }
            if (!enabled()) {
                continue;
            }
            long now = inTicks[h] ? index : clock;
            c.since[h]++;
            if (c.size[h] < slots && (c.lastAdmitted[h] == Long.MIN_VALUE || now - c.lastAdmitted[h] >= spacing[h])) {
                int slot = h * slots + (c.head[h] + c.size[h]) % slots;
                c.due[slot] = now + length[h];
                c.startPrice[slot] = price;
                c.weight[slot] = c.since[h];
                c.pendingWeight[h] += c.since[h];
                c.since[h] = 0;
                System.arraycopy(out, base, c.sent, slot * quantiles, quantiles);
                c.size[h]++;
                c.lastAdmitted[h] = now;
            }
        }
    }
}
