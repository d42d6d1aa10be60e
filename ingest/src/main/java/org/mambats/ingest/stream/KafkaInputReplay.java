package org.mambats.ingest.stream;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link InputReplay} from the Kafka cluster the application runs on: the committed position is the
 * application's consumer-group offset (read as a stable offset, so a transaction still in flight is waited for),
 * and the records come from a consumer of its own that is assigned the partition and joins no group. Connection
 * and security settings are the application's own.
 */
public final class KafkaInputReplay implements InputReplay {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaInputReplay.class);
    /** Kafka Streams' max.poll.interval.ms: a task that takes longer to start loses its place in the group anyway. */
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

    private final Map<String, Object> adminConfig = new HashMap<>();
    private final Map<String, Object> consumerConfig = new HashMap<>();
    private final String groupId;

    /** @param appConfigs the Streams application's configuration ({@code ProcessorContext.appConfigs()}) */
    public KafkaInputReplay(Map<String, Object> appConfigs, String applicationId) {
        this.groupId = applicationId;
        // What Kafka Streams gives its own restore consumer and admin client: the user's settings, unprefixed or
        // with the consumer., restore.consumer. or admin. prefix (a login given only with a prefix included).
        StreamsConfig streams = new StreamsConfig(appConfigs, false) { }; // false: Streams logged these values at start already
        adminConfig.putAll(streams.getAdminConfigs(applicationId + "-replay-admin"));
        consumerConfig.putAll(streams.getRestoreConsumerConfigs(applicationId + "-replay"));
        adminConfig.put(AdminClientConfig.CLIENT_ID_CONFIG, applicationId + "-replay-admin");
        consumerConfig.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumerConfig.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, applicationId + "-replay");
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        // The replay reads records that are all there already. A long fetch wait only delays close(), which
        // waits for the fetch the consumer has in flight at the end (measured: 500 ms per task at the default).
        consumerConfig.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
    }

    @Override
    public long replay(TopicPartition partition, long after, long atMost, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        long committed = committedPosition(partition);
        if (committed <= after + 1) {
            return 0;
        }
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            long first = consumer.beginningOffsets(List.of(partition), TIMEOUT).get(partition);
            long from = after + 1;
            if (from < first && after >= 0) {
                // Retention deleted ticks the states never saw: they continue from what is left, and say so.
                LOG.warn("{}: ticks at offsets {} to {} are no longer in the topic; rebuilding the states from offset {}", partition, from,
                        first - 1, first);
            }
            from = Math.max(from, first); // with no snapshot yet the application started at the first tick still there
            from = Math.max(from, committed - atMost);
            consumer.seek(partition, from);
            long n = 0;
            long nextReport = System.nanoTime() + PROGRESS_EVERY.toNanos();
            while (consumer.position(partition, TIMEOUT) < committed) {
                long now = System.nanoTime();
                if (now > deadline) {
                    throw new IllegalStateException(partition + ": replay did not reach offset " + committed + " within " + TIMEOUT);
                }
                if (now > nextReport) {
                    // A replay longer than a moment means the snapshots are far behind: say how far along it is.
                    LOG.info("{}: replaying, {} of {} ticks", partition, n, committed - from);
                    nextReport = now + PROGRESS_EVERY.toNanos();
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200)).records(partition)) {
                    if (r.offset() >= committed) {
                        return n;
                    }
                    each.accept(r);
                    n++;
                }
            }
            return n;
        }
    }

    /** The application's committed position on {@code partition}, or -1 if it has none. */
    private long committedPosition(TopicPartition partition) {
        try (Admin admin = Admin.create(adminConfig)) {
            OffsetAndMetadata m = admin.listConsumerGroupOffsets(
                            Map.of(groupId, new ListConsumerGroupOffsetsSpec().topicPartitions(List.of(partition))),
                            new ListConsumerGroupOffsetsOptions().requireStable(true))
                    .partitionsToOffsetAndMetadata(groupId).get().get(partition);
            return m == null ? -1 : m.offset();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the committed offset of " + partition + " for " + groupId + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading the committed offset of " + partition, e);
        }
    }
}
