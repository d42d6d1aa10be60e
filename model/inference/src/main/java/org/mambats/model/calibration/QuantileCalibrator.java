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
 * <p>The step is chosen online too, as in Gibbs and Candes' dynamically-tuned adaptive conformal inference (2022):
 * each quantile has {@value #TRACKERS} offsets, one moving at {@code rate} and one at a quarter of it, each tracked
 * against the quantile it would have sent. The offset applied is their average weighted by {@code exp(-SHARPNESS * L)},
 * L each tracker's pinball loss over about the last {@code 1 / LOSS_DECAY} independent outcomes (in units of the
 * scale, summed over the levels). A step fast enough to follow a break is noise on a steady market, and its noise
 * costs pinball loss (a constant rate of 0.05 cost about 1% on the Apple daily bars, whose band was already at its
 * level); the slow tracker's loss is the lower there and it takes over, while after a break the fast one's is.
 *
 * <p>The band's unit is itself learned online: a blend {@code s = m * fast + (1 - m) * slow} of the forecast's
 * volatility scale (the one the model was trained in) and the same scale measured with the symbol's slow volatility
 * ({@value org.mambats.model.features.TickFeatures#SLOW_FACTOR} times the half-life), every quantile
 * {@code (q / fast + offset) * s}. The mix {@code m} starts at 1 (the model as trained) and moves by online gradient
 * descent on the pinball loss of the quantiles sent, {@code -mixRate * w / W * sum_j (1{y <= q_j} - tau_j) dq_j/dm}
 * with {@code dq_j/dm} in units of {@code s}, kept in [0, 1]. A combination of two classical volatility forecasts,
 * as the M4 competition's runners-up combined theirs: where volatility clusters the fast one wins and the mix stays
 * near 1; on a calm market whose day-to-day volatility estimate is mostly noise the slow one wins and the mix moves
 * toward it, which the offsets alone cannot do (they widen or narrow every band alike).
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
    /**
     * Default step of the fast/slow volatility mix per independent outcome: the same pace as the offsets', so the mix
     * settles over a few hundred independent outcomes and stays within about 0.1 of its best value.
     */
    public static final double DEFAULT_MIX_RATE = 0.05;

    /** Memory of the typical weight in flight: about 256 resolutions, 16 horizons' worth. */
    static final double TYPICAL_DECAY = 1.0 / 256;
    /** Offset trackers per quantile, and each one's step as a share of {@code rate}. */
    static final int TRACKERS = 2;
    static final double[] TRACKER_RATE_SHARE = {1.0, 0.25};
    /** Memory of the trackers' losses, per independent outcome. */
    static final double LOSS_DECAY = 1.0 / 256;
    /**
     * How sharply the lower loss wins. A noise cost of 1% of the loss (about 0.005 scale units an outcome on three
     * levels) adds up to about 1.3 over the memory, which gives the better tracker e^2.6 = 13 times the weight;
     * a broken band costs the slow tracker tenths per outcome, so after a break the fast one wins within a few dozen.
     */
    static final double SHARPNESS = 2.0;

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
    private final double mixRate;
    private final int slots;

    /**
     * @param rate    the offsets' step per independent outcome (0: the offsets stay 0)
     * @param mixRate the volatility mix's step (0: the mix stays 1, the model's own scale)
     * @param slots   forecasts per horizon waiting for their outcome
     */
    public QuantileCalibrator(List<Horizon> horizonList, float[] levels, double rate, double mixRate, int slots) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("calibration rate must be in [0, 1], got " + rate);
        }
        if (!(mixRate >= 0 && mixRate <= 1)) {
            throw new IllegalArgumentException("volatility mix rate must be in [0, 1], got " + mixRate);
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
        this.mixRate = mixRate;
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

    public double mixRate() {
        return mixRate;
    }

    public int slots() {
        return slots;
    }

    /** Whether the calibrator moves anything: with both rates 0 it sends the model's own quantiles. */
    public boolean enabled() {
        return rate > 0 || mixRate > 0;
    }

    public CalibrationState newState() {
        return new CalibrationState(horizons, quantiles, slots, TRACKERS);
    }

    /** Writes horizon h's weight of each tracker to {@code out}: exp(-SHARPNESS * loss), normalised. */
    static void trackerWeights(CalibrationState c, int h, double[] out) {
        double least = Double.POSITIVE_INFINITY;
        for (int k = 0; k < TRACKERS; k++) {
            least = Math.min(least, c.trackerLoss[h * TRACKERS + k]);
        }
        double sum = 0;
        for (int k = 0; k < TRACKERS; k++) {
            out[k] = Math.exp(-SHARPNESS * (c.trackerLoss[h * TRACKERS + k] - least));
            sum += out[k];
        }
        for (int k = 0; k < TRACKERS; k++) {
            out[k] /= sum;
        }
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
                double share = w / Math.max(1, typical);
                c.pendingWeight[h] -= w;
                int base = h * quantiles;
                double mixGradient = 0;
                for (int j = 0; j < quantiles; j++) {
                    int k = slot * quantiles + j;
                    boolean below = y <= c.sent[k];
                    if (below) {
                        c.below[base + j]++;
                    }
                    mixGradient += ((below ? 1 : 0) - levels[j]) * c.slope[k];
                }
                // Each tracker moves by what its own quantiles would have missed, and is scored by their pinball loss.
                double unit = c.sentScale[slot];
                double keep = Math.max(0, 1 - LOSS_DECAY * share);
                for (int t = 0; t < TRACKERS; t++) {
                    double step = rate * TRACKER_RATE_SHARE[t] * share, loss = 0;
                    int own = (slot * TRACKERS + t) * quantiles, offsets = (h * TRACKERS + t) * quantiles;
                    for (int j = 0; j < quantiles; j++) {
                        float q = c.trackerSent[own + j];
                        double miss = (y <= q ? 1 : 0) - levels[j];
                        loss += (q - y) * miss; // the pinball loss of q: (y - q)(tau - 1{y <= q})
                        if (tracked[j]) {
                            c.offsets[offsets + j] -= (float) (step * miss);
                        }
                    }
                    c.trackerLoss[h * TRACKERS + t] = keep * c.trackerLoss[h * TRACKERS + t] + share * (unit > 0 ? loss / unit : 0);
                }
                c.mix[h] = Math.clamp(c.mix[h] - mixRate * share * mixGradient, 0.0, 1.0);
                c.resolved[h]++;
                c.head[h] = (c.head[h] + 1) % slots;
                c.size[h]--;
            }
        }
    }

    /**
     * Writes the calibrated quantiles of one forecast to {@code out}: the model's quantile in its own scale's units
     * plus its offset, times the blended scale, kept in order (a quantile never below the one before it); then
     * admits the forecast to its horizon's ring if its turn has come. With the mix at 1 this is the model's quantile
     * plus its offset times the model's scale, bit for bit.
     *
     * @param raw       the model's quantiles, horizon-major (h * Q + j), as log returns
     * @param scale     per horizon, the forecast's volatility scale (a log return), the one the model was trained in
     * @param slowScale per horizon, the same scale from the slow volatility
     */
    public void calibrate(CalibrationState c, float[] raw, float[] scale, float[] slowScale, long index, long clock,
            double price, float[] out) {
        double[] weight = c.weightScratch;
        for (int h = 0; h < horizons; h++) {
            int base = h * quantiles;
            float fast = scale[h], slow = slowScale[h];
            float m = (float) c.mix[h];
            float blended = m * fast + (1 - m) * slow;
            float stretch = fast > 0 ? blended / fast : 1f;
            trackerWeights(c, h, weight);
            for (int j = 0; j < quantiles; j++) {
                double offset = 0;
                for (int t = 0; t < TRACKERS; t++) {
                    offset += weight[t] * c.offsets[(h * TRACKERS + t) * quantiles + j];
                }
                c.appliedOffsets[base + j] = (float) offset;
                float q = raw[base + j] * stretch + (float) offset * blended;
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
                c.sentScale[slot] = blended;
                // How each quantile sent moves with the mix, in units of the blended scale: (q / fast + offset) * (fast - slow) / s.
                for (int j = 0; j < quantiles; j++) {
                    double perUnit = fast > 0 && blended > 0 ? (raw[base + j] / fast + c.appliedOffsets[base + j]) * (fast - slow) / blended : 0;
                    c.slope[slot * quantiles + j] = (float) perUnit;
                }
                // What each tracker alone would have sent (not kept in order: each is scored level by level).
                for (int t = 0; t < TRACKERS; t++) {
                    for (int j = 0; j < quantiles; j++) {
                        c.trackerSent[(slot * TRACKERS + t) * quantiles + j] = raw[base + j] * stretch
                                + c.offsets[(h * TRACKERS + t) * quantiles + j] * blended;
                    }
                }
                c.size[h]++;
                c.lastAdmitted[h] = now;
            }
        }
    }
}
