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

    @Override
    public String toString() {
        long a = accepted.sum();
        return String.format(java.util.Locale.ROOT, "ticks %d: %d accepted, %d duplicates, %d dead letters; %d forecasts; %d replayed; model %.1f us/tick",
                ticksIn.sum(), a, duplicates.sum(), deadLetters.sum(), forecasts.sum(), replayed.sum(), a == 0 ? 0.0 : stepNanos.sum() / 1000.0 / a);
    }
}
