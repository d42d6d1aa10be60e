package org.mambats.service.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.ingest.broker.KafkaBroker;
import org.mambats.ingest.kafka.KafkaConnection;
import org.mambats.model.forecast.Forecast;

/**
 * The live feed behind the dashboard's updates, started before Kafka and before the stream's topic, as happens
 * when the service comes up first: it must wait for both, not give up (it used to stop for good when Kafka did
 * not answer its first lookup within 5 s) and not have the cluster create the topic.
 */
class LiveForecastFeedTest {
    @TempDir
    Path dir;

    @Test
    void startedBeforeKafkaAndItsTopicItWaitsWithoutCreatingTheTopicThenDelivers() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<Forecast> received = new CopyOnWriteArrayList<>();
        try (LiveForecastFeed feed = new LiveForecastFeed(new KafkaConnection("127.0.0.1:" + port, Map.of()), "fc-live")) {
            feed.addListener(u -> received.add(u.forecast()));
            feed.start();
            Thread.sleep(7_000); // longer than the feed's 5 s metadata lookups: nothing answers on the port yet

            // A cluster with Kafka's default auto.create.topics.enable=true, where a lookup could create the topic.
            try (KafkaBroker broker = KafkaBroker.builder(dir.resolve("kafka")).port(port).inProcess(true)
                    .brokerProperty("auto.create.topics.enable", "true").start()) {
                Thread.sleep(3_000);
                try (Admin admin = broker.newAdmin()) {
                    assertFalse(admin.listTopics().names().get().contains("fc-live"), "the feed had the cluster create the topic");
                }
                assertFalse(feed.assigned());
                broker.createTopics(2, "fc-live");
                waitFor(30_000, "the feed positioned on the new topic", feed::assigned);

                Forecast f = new Forecast("LIVE", 1_700_000_000_000L, 101.5, 7, "60s", new float[] {0.1f, 0.5f, 0.9f},
                        new float[] {-0.01f, 0f, 0.01f}, "m", "v1");
                Properties p = new Properties();
                p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                    producer.send(new ProducerRecord<>("fc-live", "LIVE".getBytes(StandardCharsets.UTF_8), f.toJson())).get();
                }
                waitFor(30_000, "the forecast delivered", () -> !received.isEmpty());
                assertEquals(f, received.get(0));
                assertTrue(feed.received() >= 1);
            }
        }
    }

    private static void waitFor(long timeoutMs, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what);
    }
}
