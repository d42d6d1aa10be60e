package org.mambats.service.live;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.mambats.ingest.kafka.KafkaConnection;
import org.mambats.model.forecast.Forecast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the forecasts topic from its end and hands every new forecast to the listeners (the server-sent event
 * clients). It reads committed records only, so a forecast appears once the stream's transaction commits, exactly
 * as a downstream consumer sees it; it uses no consumer group (a dashboard must not steal partitions from anyone).
 */
public final class LiveForecastFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveForecastFeed.class);
    /** How often to look for partitions added to the topic (a metadata lookup; not on every poll). */
    private static final long PARTITION_CHECK_NANOS = 30_000_000_000L;

    /** A forecast as it was on the topic (the JSON, passed through unchanged) and decoded. */
    public record Update(Forecast forecast, String json) {
    }

    private final KafkaConnection kafka;
    private final String topic;
    private final List<Consumer<Update>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private volatile boolean assigned;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;

    public LiveForecastFeed(KafkaConnection kafka, String topic) {
        this.kafka = kafka;
        this.topic = topic;
    }

    public void addListener(Consumer<Update> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<Update> listener) {
        listeners.remove(listener);
    }

    public long received() {
        return received.get();
    }

    public long malformed() {
        return malformed.get();
    }

    /** True once the feed is positioned at the end of every partition of the topic. */
    public boolean assigned() {
        return assigned;
    }

    public String topic() {
        return topic;
    }

    public synchronized LiveForecastFeed start() {
        if (running.getAndSet(true)) {
            return this;
        }
        thread = new Thread(this::run, "live-forecast-feed");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Follows the topic until closed; a failure (a refused login, say) is logged and the feed starts over. */
    private void run() {
        while (running.get()) {
            try {
                follow();
            } catch (WakeupException e) {
                // closing
            } catch (RuntimeException e) {
                if (running.get()) {
                    LOG.error("live forecast feed failed: {}; starting again in 5 s (forecasts published meanwhile are not sent live)",
                            e.toString());
                    sleep(5000);
                }
            }
        }
    }

    private void follow() {
        Properties p = kafka.properties(Map.of(ConsumerConfig.CLIENT_ID_CONFIG, "mamba-ts-service-live"));
        // Only forecasts the stream has committed; the feed joins no group and keeps no offsets.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Looking up a missing topic must not create it (on a cluster with auto.create.topics.enable, Kafka's default):
        // the stream creates it with the partitions it is told to.
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            if (!running.get()) {
                return; // closed before the consumer existed
            }
            assignAtEnd(c);
            long nextPartitionCheck = System.nanoTime() + PARTITION_CHECK_NANOS;
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    deliver(r.value());
                }
                if (System.nanoTime() > nextPartitionCheck) {
                    nextPartitionCheck = System.nanoTime() + PARTITION_CHECK_NANOS;
                    if (c.assignment().size() < partitionCount(c)) {
                        assignAtEnd(c); // partitions were added to the topic
                    }
                }
            }
        } finally {
            consumer = null;
            assigned = false;
        }
    }

    /** Waits for the topic to exist, then takes every partition from its end (new partitions from their start). */
    /**
     * Assigns every partition of the topic, positioned at its end (partitions new to this consumer: at their start).
     * Waits, saying once what for, while Kafka does not answer or the topic does not exist yet: the service may
     * start before Kafka or before the stream, and its live updates must begin when they do.
     */
    private void assignAtEnd(KafkaConsumer<byte[], byte[]> c) {
        List<TopicPartition> parts = new ArrayList<>();
        String waitingFor = null;
        while (running.get()) {
            int n = partitionCount(c);
            if (n > 0) {
                for (int i = 0; i < n; i++) {
                    parts.add(new TopicPartition(topic, i));
                }
                if (waitingFor != null) {
                    LOG.info("live updates from topic {} ({} partitions)", topic, n);
                }
                break;
            }
            String now = n < 0 ? "Kafka at " + kafka.bootstrap() + " to answer" : "topic " + topic + " to exist";
            if (!now.equals(waitingFor)) {
                LOG.info("live updates: waiting for {}", now);
                waitingFor = now;
            }
            sleep(1000);
        }
        if (parts.isEmpty()) {
            return; // closed while waiting
        }
        List<TopicPartition> known = new ArrayList<>(c.assignment());
        c.assign(parts);
        List<TopicPartition> fresh = new ArrayList<>(parts);
        fresh.removeAll(known);
        if (known.isEmpty()) {
            c.seekToEnd(parts);
        } else {
            c.seekToBeginning(fresh);
        }
        parts.forEach(c::position); // resolve the positions now, so nothing published after this point is missed
        assigned = true;
    }

    /** The topic's partitions: 0 if it does not exist, -1 if Kafka did not answer within 5 s (asked again later). */
    private int partitionCount(KafkaConsumer<byte[], byte[]> c) {
        try {
            List<PartitionInfo> info = c.partitionsFor(topic, Duration.ofSeconds(5));
            return info == null ? 0 : info.size();
        } catch (TimeoutException e) {
            return -1;
        }
    }

    private void deliver(byte[] value) {
        Forecast f;
        try {
            f = Forecast.fromJson(value);
        } catch (IOException | RuntimeException e) {
            if (malformed.incrementAndGet() <= 10) {
                LOG.warn("skipping a malformed forecast record: {}", e.getMessage());
            }
            return;
        }
        received.incrementAndGet();
        Update u = new Update(f, new String(value, StandardCharsets.UTF_8));
        for (Consumer<Update> l : listeners) {
            try {
                l.accept(u);
            } catch (RuntimeException e) {
                LOG.debug("listener failed: {}", e.toString());
            }
        }
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (!running.getAndSet(false)) {
                return;
            }
            t = thread;
        }
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
