package org.mambats.ingest.stream;

import java.time.Duration;
import java.util.function.Function;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * When the Mamba operator writes symbol states to its changelogged store, and how a task reads back the ticks
 * that came after the last write (see {@link MambaForecastProcessor}, "State and its changelog").
 *
 * @param intervalMs   how often each changed symbol's state is written (wall-clock time); 0 writes it after every
 *                     tick, through the record cache, so the store always matches the committed position
 * @param replay       how a starting task reads the ticks between the stored states and the committed position
 * @param rebuildTicks when the stored states are another model's (a new checkpoint), how many of each partition's
 *                     latest ticks a starting task steps through to build its symbols' states anew
 */
public record StateSnapshots(long intervalMs, Function<ProcessorContext<?, ?>, InputReplay> replay, long rebuildTicks) {
    /** Ten seconds: at most that much input to replay when a task moves or restarts. */
    public static final long DEFAULT_INTERVAL_MS = 10_000;
    /** A million ticks: about half a minute per partition at the replay rates measured here (~40,000 ticks/s). */
    public static final long DEFAULT_REBUILD_TICKS = 1_000_000;

    public StateSnapshots {
        if (intervalMs < 0) {
            throw new IllegalArgumentException("snapshot interval must be >= 0 ms, got " + intervalMs);
        }
        if (rebuildTicks < 0) {
            throw new IllegalArgumentException("rebuild ticks must be >= 0, got " + rebuildTicks);
        }
    }

    public StateSnapshots(long intervalMs, Function<ProcessorContext<?, ?>, InputReplay> replay) {
        this(intervalMs, replay, DEFAULT_REBUILD_TICKS);
    }

    /** Snapshots every {@code interval} (zero: the state after every tick), replaying from the application's cluster. */
    public static StateSnapshots every(Duration interval, long rebuildTicks) {
        return new StateSnapshots(interval.toMillis(), StateSnapshots::fromCluster, rebuildTicks);
    }

    public boolean everyTickMode() {
        return intervalMs == 0;
    }

    private static InputReplay fromCluster(ProcessorContext<?, ?> context) {
        return new KafkaInputReplay(context.appConfigs(), context.applicationId());
    }
}
