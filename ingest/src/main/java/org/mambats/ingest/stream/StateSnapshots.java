package org.mambats.ingest.stream;

import java.time.Duration;
import java.util.function.Function;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * When the Mamba operator writes symbol states to its changelogged store, and how a task reads back the ticks
 * that came after the last write (see {@link MambaForecastProcessor}, "State and its changelog").
 *
 * @param intervalMs how often each changed symbol's state is written (wall-clock time); 0 writes it after every
 *                   tick, through the record cache, so the store always matches the committed position
 * @param replay     how a starting task reads the ticks between the stored states and the committed position
 */
public record StateSnapshots(long intervalMs, Function<ProcessorContext<?, ?>, InputReplay> replay) {
    /** Ten seconds: at most that much input to replay when a task moves or restarts. */
    public static final long DEFAULT_INTERVAL_MS = 10_000;

    public StateSnapshots {
        if (intervalMs < 0) {
            throw new IllegalArgumentException("snapshot interval must be >= 0 ms, got " + intervalMs);
        }
    }

    /** Snapshots every {@code interval} (zero: the state after every tick), replaying from the application's cluster. */
    public static StateSnapshots every(Duration interval) {
        return new StateSnapshots(interval.toMillis(), StateSnapshots::fromCluster);
    }

    public boolean everyTickMode() {
        return intervalMs == 0;
    }

    private static InputReplay fromCluster(ProcessorContext<?, ?> context) {
        return new KafkaInputReplay(context.appConfigs(), context.applicationId());
    }
}
