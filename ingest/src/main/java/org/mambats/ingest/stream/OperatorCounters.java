package org.mambats.ingest.stream;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * What the Mamba operator has done since start: the figures an operator watches. Shared by every stream thread
 * of one application instance; cheap to update on the hot path.
 */
public final class OperatorCounters {
    public final LongAdder ticksIn = new LongAdder();
    public final LongAdder accepted = new LongAdder();
    public final LongAdder forecasts = new LongAdder();
    public final LongAdder duplicates = new LongAdder();
    public final LongAdder deadLetters = new LongAdder();
    /** Ticks stepped again when a task started, to bring the stored state snapshots up to the committed position. */
    public final LongAdder replayed = new LongAdder();
    /** Nanoseconds starting tasks spent on their replays (reading the committed position and the ticks, stepping). */
    public final LongAdder replayNanos = new LongAdder();
    /** Nanoseconds spent in the model (features + step + head), summed over accepted ticks. */
    public final LongAdder stepNanos = new LongAdder();
    /** Event time (epoch ms) of the last accepted tick, for lag. */
    public final AtomicLong lastEventTime = new AtomicLong();
    /** Also told every step's duration (e.g. a latency histogram of the metrics endpoint); none by default. */
    private volatile LongConsumer stepObserver;

    /** Records the model time of one accepted tick. */
    public void step(long nanos) {
        stepNanos.add(nanos);
        LongConsumer o = stepObserver;
        if (o != null) {
            o.accept(nanos);
        }
    }

    public void observeSteps(LongConsumer observer) {
        this.stepObserver = observer;
    }

    /** The totals since start. */
    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "ticks %d: %d accepted, %d duplicates, %d dead letters; %d forecasts; %d replayed",
                ticksIn.sum(), accepted.sum(), duplicates.sum(), deadLetters.sum(), forecasts.sum(), replayed.sum());
    }

    /** The counters at one moment, to report the rates of an interval (what an operator watching a live stream wants). */
    public Reading read() {
        return new Reading(System.nanoTime(), ticksIn.sum(), accepted.sum(), stepNanos.sum());
    }

    /** See {@link #read()}. */
    public record Reading(long atNanos, long ticksIn, long accepted, long stepNanos) {
        /** "N ticks/s, model M us/tick" over the interval from {@code earlier} to this reading. */
        public String ratesSince(Reading earlier) {
            double seconds = (atNanos - earlier.atNanos) / 1e9;
            long steps = accepted - earlier.accepted;
            return String.format(java.util.Locale.ROOT, "%.0f ticks/s, model %s", seconds <= 0 ? 0.0 : (ticksIn - earlier.ticksIn) / seconds,
                    steps == 0 ? "idle" : String.format(java.util.Locale.ROOT, "%.1f us/tick", (stepNanos - earlier.stepNanos) / 1000.0 / steps));
        }
    }
}
