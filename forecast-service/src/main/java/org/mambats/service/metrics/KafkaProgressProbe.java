package org.mambats.service.metrics;

import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.mambats.ingest.kafka.KafkaConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every few seconds, asks Kafka how far the stream and the sink are behind (consumer lag per group and topic: end
 * offsets minus committed offsets) and how many records the dead-letter topic holds. Works wherever those
 * processes run; also tells the health check whether Kafka answers.
 */
public final class KafkaProgressProbe implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaProgressProbe.class);

    /** A consumer group and the topic whose lag it has. */
    public record Watched(String group, String topic) {
    }

    private final Admin admin;
    private final ServiceMetrics metrics;
    private final List<Watched> groups;
    private final String deadLetterTopic;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kafka-progress-probe");
        t.setDaemon(true);
        return t;
    });
    private volatile long lastSuccessNanos;
    private volatile String lastError = "not probed yet";

    public KafkaProgressProbe(KafkaConnection kafka, ServiceMetrics metrics, List<Watched> groups, String deadLetterTopic) {
        // Short timeouts, so /health reports an unreachable Kafka within seconds; the user's settings may differ.
        this.admin = Admin.create(kafka.properties(Map.of(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000)));
        this.metrics = metrics;
        this.groups = List.copyOf(groups);
        this.deadLetterTopic = deadLetterTopic;
    }

    public KafkaProgressProbe start(Duration every) {
        timer.scheduleWithFixedDelay(this::probeQuietly, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** True when the last probe, at most {@code maxAge} ago, reached Kafka. */
    public boolean healthy(Duration maxAge) {
        return lastSuccessNanos != 0 && System.nanoTime() - lastSuccessNanos < maxAge.toNanos();
    }

    public String lastError() {
        return lastError;
    }

    private void probeQuietly() {
        try {
            probe();
            lastSuccessNanos = System.nanoTime();
            lastError = null;
        } catch (Exception e) {
            lastError = e.getCause() != null ? e.getCause().toString() : e.toString();
            LOG.debug("Kafka probe failed: {}", lastError);
        }
    }

    void probe() throws Exception {
        Set<String> topics = admin.listTopics().names().get(5, TimeUnit.SECONDS);
        for (Watched w : groups) {
            if (!topics.contains(w.topic())) {
                continue;
            }
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(w.group())
                    .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
            Map<TopicPartition, Long> ends = endOffsets(w.topic());
            long lag = 0;
            for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                lag += Math.max(0, e.getValue() - (c == null ? 0 : c.offset()));
            }
            metrics.probed("consumer_lag", Tags.of("group", w.group(), "topic", w.topic()), lag,
                    "records of the topic not yet processed by the group (end offset - committed offset, summed over partitions)");
        }
        if (deadLetterTopic != null && topics.contains(deadLetterTopic)) {
            long total = endOffsets(deadLetterTopic).values().stream().mapToLong(Long::longValue).sum();
            metrics.probed("dead_letter_topic_records", Tags.of("topic", deadLetterTopic), total,
                    "records on the dead-letter topic (end offsets; includes transaction markers under exactly-once)");
        }
    }

    private Map<TopicPartition, Long> endOffsets(String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        admin.describeTopics(List.of(topic)).allTopicNames().get(5, TimeUnit.SECONDS).get(topic).partitions()
                .forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> info = admin.listOffsets(request).all().get(5, TimeUnit.SECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        info.forEach((tp, i) -> out.put(tp, i.offset()));
        return out;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        admin.close(Duration.ofSeconds(2));
    }
}
