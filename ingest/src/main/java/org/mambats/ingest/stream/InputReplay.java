package org.mambats.ingest.stream;

import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads back input records that the application has already consumed: the ticks between a symbol-state
 * snapshot and the committed position, which a task steps through again to rebuild the states it had when it
 * stopped (see {@link MambaForecastProcessor}, "State and its changelog").
 */
@FunctionalInterface
public interface InputReplay {
    /**
     * Passes the records of {@code partition} with an offset above {@code after} and below the application's
     * committed position on that partition, at most the last {@code atMost} of them, to {@code each}, in offset order.
     *
     * @return how many records were passed
     */
    long replay(TopicPartition partition, long after, long atMost, Consumer<ConsumerRecord<byte[], byte[]>> each);

    /** Replays nothing: for a test driver without a broker, where no task ever starts from a committed position. */
    InputReplay NONE = (partition, after, atMost, each) -> 0;
}
