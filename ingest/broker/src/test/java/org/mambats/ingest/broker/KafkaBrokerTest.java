package org.mambats.ingest.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Against a real single-node KRaft broker in a child JVM. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KafkaBrokerTest {

    /** A record timestamp from the Bitstamp sample era: must survive (no time-based retention). */
    static final long OLD_TIMESTAMP = 1_385_337_600_000L; // 2013-11-25T00:00:00Z

    @TempDir
    static Path sharedDir;

    static KafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.builder(sharedDir.resolve("kafka")).port(0).start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
            assertFalse(broker.isRunning());
        }
    }

    @Test
    void theChildJvmRunsOnJava25() throws Exception {
        assertTrue(Runtime.version().feature() >= 25, "the tests run on Java " + Runtime.version());
        String line = Files.readAllLines(broker.childLog()).stream()
                .filter(l -> l.startsWith(BrokerMain.JAVA_LINE_PREFIX)).findFirst().orElseThrow();
        Runtime.Version child = Runtime.Version.parse(line.substring(BrokerMain.JAVA_LINE_PREFIX.length()).split(" ")[0]);
        assertTrue(child.feature() >= 25, line);
    }

    @Test
    void produceAndConsumeOnThreePartitions() throws Exception {
        assertTrue(broker.pid().isPresent(), "child JVM mode");
        assertTrue(broker.bootstrapServers().startsWith("127.0.0.1:"));
        broker.createTopics("ticks", 3);
        broker.createTopics("ticks", 3); // idempotent
        assertEquals(3, broker.admin().describeTopics(List.of("ticks")).allTopicNames().get()
                .get("ticks").partitions().size());

        int n = 300;
        try (KafkaProducer<String, String> p = producer(broker, null)) {
            for (int i = 0; i < n; i++) {
                p.send(new ProducerRecord<>("ticks", "sym" + (i % 7), "v" + i)).get();
            }
        }
        // A consumer group (exercises __consumer_offsets with replication factor 1).
        List<ConsumerRecord<String, String>> got;
        try (KafkaConsumer<String, String> c = consumer(broker, "g1", false)) {
            c.subscribe(List.of("ticks"));
            got = pollUntil(c, n, Duration.ofSeconds(30));
            c.commitSync();
        }
        assertEquals(n, got.size());
        Set<Integer> partitions = new HashSet<>();
        Set<String> values = new HashSet<>();
        for (ConsumerRecord<String, String> r : got) {
            partitions.add(r.partition());
            values.add(r.value());
        }
        assertEquals(Set.of(0, 1, 2), partitions);
        assertEquals(n, values.size());
    }

    @Test
    void transactionalProducerIsExactlyOnce() throws Exception {
        broker.createTopics("tx", 3);
        try (KafkaProducer<String, String> p = producer(broker, "tx-" + UUID.randomUUID())) {
            p.initTransactions(); // needs __transaction_state: replication factor 1, min ISR 1
            p.beginTransaction();
            for (int i = 0; i < 10; i++) {
                p.send(new ProducerRecord<>("tx", "k" + i, "committed-" + i));
            }
            p.commitTransaction();
            p.beginTransaction();
            for (int i = 0; i < 5; i++) {
                p.send(new ProducerRecord<>("tx", "k" + i, "aborted-" + i));
            }
            p.flush();
            p.abortTransaction();
            p.beginTransaction();
            p.send(new ProducerRecord<>("tx", "last", "committed-last"));
            p.commitTransaction();
        }
        List<ConsumerRecord<String, String>> got;
        try (KafkaConsumer<String, String> c = consumer(broker, null, true)) {
            List<TopicPartition> tps = List.of(new TopicPartition("tx", 0), new TopicPartition("tx", 1),
                    new TopicPartition("tx", 2));
            c.assign(tps);
            c.seekToBeginning(tps);
            got = pollUntil(c, 11, Duration.ofSeconds(30));
            // Nothing more arrives: the aborted records stay invisible to read_committed.
            got.addAll(pollFor(c, Duration.ofMillis(300)));
        }
        assertEquals(11, got.size(), () -> "read_committed records: " + got);
        assertTrue(got.stream().allMatch(r -> r.value().startsWith("committed-")));
    }

    @Test
    void restartOnTheSameDirectoryKeepsRecords(@TempDir Path dir) throws Exception {
        KafkaBroker b = KafkaBroker.builder(dir).start();
        try {
            String clusterId = b.clusterId();
            String bootstrap = b.bootstrapServers();
            b.createTopics("persist", 3);
            try (KafkaProducer<String, String> p = producer(b, null)) {
                for (int i = 0; i < 50; i++) {
                    p.send(new ProducerRecord<>("persist", null, OLD_TIMESTAMP + i, "k" + i, "v" + i)).get();
                }
            }

            // Clean stop and start again: same cluster, same port, the records are there.
            long pid = b.pid().orElseThrow();
            b.stop();
            assertFalse(b.isRunning());
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "child JVM gone");
            b.start();
            assertEquals(clusterId, b.clusterId());
            assertEquals(bootstrap, b.bootstrapServers(), "ports are reused across restarts");
            assertEquals(50, readAll(b, "persist", 50).size());

            // Crash (SIGKILL) and start again: the log is recovered, acknowledged records are kept.
            try (KafkaProducer<String, String> p = producer(b, null)) {
                for (int i = 50; i < 60; i++) {
                    p.send(new ProducerRecord<>("persist", "k" + i, "v" + i)).get();
                }
            }
            b.kill();
            assertFalse(b.isRunning());
            b.start();
            List<ConsumerRecord<String, String>> all = readAll(b, "persist", 60);
            assertEquals(60, all.size());
            assertEquals(60, all.stream().map(ConsumerRecord::value).distinct().count());
            assertTrue(all.stream().anyMatch(r -> r.timestamp() == OLD_TIMESTAMP), "2013 timestamps retained");
        } finally {
            b.close();
        }
        assertTrue(Files.exists(dir.resolve("data/meta.properties")));
        String props = Files.readString(dir.resolve("server.properties"));
        assertTrue(props.contains("process.roles=broker,controller"), props);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    static KafkaProducer<String, String> producer(KafkaBroker b, String transactionalId) {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers());
        cfg.put(ProducerConfig.ACKS_CONFIG, "all");
        cfg.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        cfg.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        if (transactionalId != null) {
            cfg.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        return new KafkaProducer<>(cfg, new StringSerializer(), new StringSerializer());
    }

    static KafkaConsumer<String, String> consumer(KafkaBroker b, String group, boolean readCommitted) {
        Properties cfg = new Properties();
        cfg.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers());
        if (group != null) {
            cfg.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        cfg.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cfg.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        cfg.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        return new KafkaConsumer<>(cfg, new StringDeserializer(), new StringDeserializer());
    }

    static List<ConsumerRecord<String, String>> readAll(KafkaBroker b, String topic, int expected) {
        try (KafkaConsumer<String, String> c = consumer(b, null, false)) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream()
                    .map(pi -> new TopicPartition(topic, pi.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            return pollUntil(c, expected, Duration.ofSeconds(30));
        }
    }

    static List<ConsumerRecord<String, String>> pollUntil(KafkaConsumer<String, String> c, int n, Duration max) {
        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        long deadline = System.nanoTime() + max.toNanos();
        while (got.size() < n && System.nanoTime() < deadline) {
            c.poll(Duration.ofMillis(100)).forEach(got::add);
        }
        return got;
    }

    static List<ConsumerRecord<String, String>> pollFor(KafkaConsumer<String, String> c, Duration d) {
        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        long deadline = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < deadline) {
            c.poll(Duration.ofMillis(50)).forEach(got::add);
        }
        return got;
    }
}
