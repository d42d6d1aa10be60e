package org.mambats.model.calibration;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One symbol's calibration: every horizon's quantile offsets (one per tracker), the trackers' recent losses and the
 * volatility mix, and per horizon a ring of the forecasts still waiting for their outcome. The ring has a fixed
 * number of slots, so the state has a fixed size at any tick rate (the calibrator admits a subsample of the
 * forecasts, evenly spaced over the horizon, each weighted by the forecasts it stands for). Part of the symbol's
 * state: snapshotted, restored and replayed with it.
 */
public final class CalibrationState {
    final int horizons;
    final int quantiles;
    final int slots;
    final int trackers;
    /** offsets[(h * T + t) * Q + j]: tracker t's offset, in units of the forecast's scale at the time it is applied. */
    final float[] offsets;
    /** Per horizon and tracker (h * T + t): its discounted pinball loss, in scale units. */
    final double[] trackerLoss;
    /** Per horizon: the weight of the model's own volatility scale against the slow one's, in [0, 1]. */
    final double[] mix;
    /** Per horizon: index of the oldest pending forecast, how many are pending, when the last one was admitted. */
    final int[] head;
    final int[] size;
    final long[] lastAdmitted;
    /** Per horizon: forecasts made since the last admitted one, and the weight of those waiting in the ring. */
    final long[] since;
    final long[] pendingWeight;
    /** Per horizon: a long-run average of {@link #pendingWeight} at resolutions (0 before the first). */
    final double[] typicalPendingWeight;
    /** Per slot (h * slots + k): when it resolves (a tick count or an event time), and the price it started at. */
    final long[] due;
    final double[] startPrice;
    /** Per slot: how many forecasts the admitted one stands for (itself and those skipped before it). */
    final long[] weight;
    /** Per slot: the scale the forecast was sent in (a log return), the unit of its trackers' losses. */
    final float[] sentScale;
    /** Per slot and quantile ((h * slots + k) * Q + j): the calibrated quantile sent, as a log return. */
    final float[] sent;
    /** Per slot and quantile: how the quantile sent moves with the mix, in units of the scale it was sent in. */
    final float[] slope;
    /** Per slot, tracker and quantile (((h * slots + k) * T + t) * Q + j): the quantile tracker t alone would have sent. */
    final float[] trackerSent;
    /** Per horizon: outcomes resolved, and per horizon and quantile how many fell at or below the quantile sent. */
    final long[] resolved;
    final long[] below;
    /** Scratch, not state: the offsets last applied (h * Q + j), and the trackers' weights. */
    final float[] appliedOffsets;
    final double[] weightScratch;

    public CalibrationState(int horizons, int quantiles, int slots, int trackers) {
        this.horizons = horizons;
        this.quantiles = quantiles;
        this.slots = slots;
        this.trackers = trackers;
        offsets = new float[horizons * trackers * quantiles];
        trackerLoss = new double[horizons * trackers];
        mix = new double[horizons];
        Arrays.fill(mix, 1.0);
        head = new int[horizons];
        size = new int[horizons];
        lastAdmitted = new long[horizons];
        Arrays.fill(lastAdmitted, Long.MIN_VALUE);
        since = new long[horizons];
        pendingWeight = new long[horizons];
        typicalPendingWeight = new double[horizons];
        weight = new long[horizons * slots];
        due = new long[horizons * slots];
        startPrice = new double[horizons * slots];
        sentScale = new float[horizons * slots];
        sent = new float[horizons * slots * quantiles];
        slope = new float[horizons * slots * quantiles];
        trackerSent = new float[horizons * slots * trackers * quantiles];
        resolved = new long[horizons];
        below = new long[horizons * quantiles];
        appliedOffsets = new float[horizons * quantiles];
        weightScratch = new double[trackers];
    }

    /** The offset applied to horizon h's quantile j, in scale units: the trackers' weighted average (0 until outcomes move it). */
    public float offset(int h, int j) {
        QuantileCalibrator.trackerWeights(this, h, weightScratch);
        double o = 0;
        for (int t = 0; t < trackers; t++) {
            o += weightScratch[t] * offsets[(h * trackers + t) * quantiles + j];
        }
        return (float) o;
    }

    /** The weight of horizon h's tracker t (0 the fast one) in the offsets applied. */
    public double trackerWeight(int h, int t) {
        QuantileCalibrator.trackerWeights(this, h, weightScratch);
        return weightScratch[t];
    }

    /** The weight of horizon h's own volatility scale in the band's unit (1 until outcomes move it). */
    public double mix(int h) {
        return mix[h];
    }

    /** How many forecasts of horizon h are waiting for their outcome. */
    public int pending(int h) {
        return size[h];
    }

    /** How many outcomes of horizon h have been compared with their forecast. */
    public long resolved(int h) {
        return resolved[h];
    }

    /** The share of horizon h's resolved outcomes at or below the calibrated quantile j that was sent. */
    public double coverage(int h, int j) {
        return resolved[h] == 0 ? Double.NaN : (double) below[h * quantiles + j] / resolved[h];
    }

    public int serializedSize() {
        return offsets.length * 4 + trackerLoss.length * 8 + mix.length * 8 + horizons * (4 + 4 + 8 + 8 + 8 + 8 + 8)
                + below.length * 8 + due.length * (8 + 8 + 8 + 4) + (sent.length + slope.length + trackerSent.length) * 4;
    }

    public void writeTo(ByteBuffer out) {
        putAll(out, offsets);
        putAll(out, trackerLoss);
        putAll(out, mix);
        for (int h = 0; h < horizons; h++) {
            out.putInt(head[h]).putInt(size[h]).putLong(lastAdmitted[h]).putLong(resolved[h]).putLong(since[h])
                    .putLong(pendingWeight[h]).putDouble(typicalPendingWeight[h]);
        }
        for (long b : below) {
            out.putLong(b);
        }
        for (int k = 0; k < due.length; k++) {
            out.putLong(due[k]).putDouble(startPrice[k]).putLong(weight[k]).putFloat(sentScale[k]);
        }
        putAll(out, sent);
        putAll(out, slope);
        putAll(out, trackerSent);
    }

    private static void putAll(ByteBuffer out, float[] values) {
        for (float v : values) {
            out.putFloat(v);
        }
    }

    private static void getAll(ByteBuffer in, float[] values) {
        for (int i = 0; i < values.length; i++) {
            values[i] = in.getFloat();
        }
    }

    private static void putAll(ByteBuffer out, double[] values) {
        for (double v : values) {
            out.putDouble(v);
        }
    }

    /**
     * Reads what {@link #writeTo} wrote, checking that the ring positions and the mix fit this state's shape.
     *
     * @param before the layout before the trackers and the volatility mix (symbol states "SYM2" and "SYM3"): one offset
     *               per quantile, which every tracker starts from; the mix starts at 1
     */
    public void readFrom(ByteBuffer in, boolean before) {
        if (before) {
            for (int h = 0; h < horizons; h++) {
                for (int j = 0; j < quantiles; j++) {
                    float o = in.getFloat();
                    for (int t = 0; t < trackers; t++) {
                        offsets[(h * trackers + t) * quantiles + j] = o;
                    }
                }
            }
            Arrays.fill(trackerLoss, 0);
            Arrays.fill(mix, 1.0);
        } else {
            getAll(in, offsets);
            for (int i = 0; i < trackerLoss.length; i++) {
                trackerLoss[i] = in.getDouble();
                if (!(trackerLoss[i] >= 0) || Double.isInfinite(trackerLoss[i])) {
                    throw new IllegalArgumentException("corrupt calibration state: tracker loss " + trackerLoss[i]);
                }
            }
            for (int h = 0; h < horizons; h++) {
                mix[h] = in.getDouble();
                if (!(mix[h] >= 0 && mix[h] <= 1)) {
                    throw new IllegalArgumentException("corrupt calibration state: horizon " + h + " volatility mix " + mix[h]);
                }
            }
        }
        for (int h = 0; h < horizons; h++) {
            head[h] = in.getInt();
            size[h] = in.getInt();
            lastAdmitted[h] = in.getLong();
            resolved[h] = in.getLong();
            since[h] = in.getLong();
            pendingWeight[h] = in.getLong();
            typicalPendingWeight[h] = in.getDouble();
            if (head[h] < 0 || head[h] >= slots || size[h] < 0 || size[h] > slots) {
                throw new IllegalArgumentException("corrupt calibration state: horizon " + h + " ring at " + head[h]
                        + " holding " + size[h] + " of " + slots);
            }
        }
        for (int i = 0; i < below.length; i++) {
            below[i] = in.getLong();
        }
        for (int k = 0; k < due.length; k++) {
            due[k] = in.getLong();
            startPrice[k] = in.getDouble();
            weight[k] = in.getLong();
            // The older layout kept no scale: those pending forecasts move the offsets but score no tracker.
            sentScale[k] = before ? 0f : in.getFloat();
        }
        getAll(in, sent);
        if (before) {
            Arrays.fill(slope, 0f);
            for (int k = 0; k < due.length; k++) {
                for (int t = 0; t < trackers; t++) {
                    System.arraycopy(sent, k * quantiles, trackerSent, (k * trackers + t) * quantiles, quantiles);
                }
            }
            return;
        }
        getAll(in, slope);
        getAll(in, trackerSent);
    }

    public void copyFrom(CalibrationState o) {
        System.arraycopy(o.offsets, 0, offsets, 0, offsets.length);
        System.arraycopy(o.trackerLoss, 0, trackerLoss, 0, trackerLoss.length);
        System.arraycopy(o.mix, 0, mix, 0, horizons);
        System.arraycopy(o.head, 0, head, 0, horizons);
        System.arraycopy(o.size, 0, size, 0, horizons);
        System.arraycopy(o.lastAdmitted, 0, lastAdmitted, 0, horizons);
        System.arraycopy(o.resolved, 0, resolved, 0, horizons);
        System.arraycopy(o.since, 0, since, 0, horizons);
        System.arraycopy(o.pendingWeight, 0, pendingWeight, 0, horizons);
        System.arraycopy(o.typicalPendingWeight, 0, typicalPendingWeight, 0, horizons);
        System.arraycopy(o.weight, 0, weight, 0, weight.length);
        System.arraycopy(o.below, 0, below, 0, below.length);
        System.arraycopy(o.due, 0, due, 0, due.length);
        System.arraycopy(o.startPrice, 0, startPrice, 0, startPrice.length);
        System.arraycopy(o.sentScale, 0, sentScale, 0, sentScale.length);
        System.arraycopy(o.sent, 0, sent, 0, sent.length);
        System.arraycopy(o.slope, 0, slope, 0, slope.length);
        System.arraycopy(o.trackerSent, 0, trackerSent, 0, trackerSent.length);
    }
}
