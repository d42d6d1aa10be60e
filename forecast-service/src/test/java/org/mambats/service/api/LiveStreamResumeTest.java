package org.mambats.service.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.ingest.broker.KafkaBroker;
import org.mambats.ingest.db.Database;
import org.mambats.model.forecast.Forecast;
import org.mambats.service.ForecastService;
import org.mambats.service.metrics.ServiceMetrics;

/**
 * /api/stream over HTTP, with forecasts arriving from a real broker: a client that reconnects with the id of its
 * last event (as EventSource does) gets the forecasts published while it was away, and a client of a restarted
 * service is told it did not resume.
 */
class LiveStreamResumeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** One server-sent event. */
    private record Event(String name, String id, String data) {
        JsonNode json() throws Exception {
            return JSON.readTree(data);
        }
    }

    /** An open event stream, read on the HTTP client's thread into a queue. */
    private static final class Subscription implements AutoCloseable {
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        final CompletableFuture<HttpResponse<Stream<String>>> response;

        Subscription(int port, String query, String lastEventId) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/stream" + query))
                    .header("Accept", "text/event-stream");
            if (lastEventId != null) {
                request.header("Last-Event-ID", lastEventId);
            }
            response = HttpClient.newHttpClient().sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines());
            response.thenAccept(r -> {
                String[] current = new String[3];
                r.body().forEach(line -> {
                    if (line.isEmpty()) {
                        if (current[2] != null) {
                            events.add(new Event(current[0], current[1], current[2]));
                        }
                        current[0] = current[1] = current[2] = null;
                    } else if (line.startsWith("event:")) {
                        current[0] = line.substring(6).trim();
                    } else if (line.startsWith("id:")) {
                        current[1] = line.substring(3).trim();
                    } else if (line.startsWith("data:")) {
                        current[2] = line.substring(5).trim();
                    }
                });
            });
        }

        Event next() throws InterruptedException {
            Event e = events.poll(30, TimeUnit.SECONDS);
            assertNotNull(e, "an event within 30 s");
            return e;
        }

        @Override
        public void close() {
            response.thenAccept(r -> r.body().close());
            response.cancel(true);
        }
    }

    @Test
    @Timeout(180)
    void aReconnectWithTheLastEventIdGetsWhatWasMissedAndARestartedServiceSaysItDidNotResume() throws Exception {
        Properties p = new Properties();
        try (Database db = Database.open(null, dir.resolve("pg"), 4);
             KafkaBroker broker = KafkaBroker.builder(dir.resolve("kafka")).inProcess(true).start()) {
            broker.createTopics(2, "forecasts");
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                ForecastService service = ForecastService.start(db, ForecastService.Settings.local(0, broker.bootstrapServers()), new ServiceMetrics());
                int port = service.port();
                String lastId;
                try (Subscription first = new Subscription(port, "", null)) {
                    Event ready = first.next();
                    assertEquals("ready", ready.name());
                    assertEquals(false, ready.json().get("resumed").asBoolean(), "a new client has nothing to resume");
                    awaitFeedAssigned(port);
                    send(producer, "AAA", 1);
                    send(producer, "AAA", 2);
                    Event one = first.next(), two = first.next();
                    assertEquals(List.of(1L, 2L), List.of(one.json().get("seq").asLong(), two.json().get("seq").asLong()));
                    assertNotNull(two.id(), "forecasts carry an id");
                    lastId = two.id();
                }
                // Away for a while: three forecasts for AAA and one for BBB are published.
                send(producer, "AAA", 3);
                send(producer, "BBB", 1);
                send(producer, "AAA", 4);
                send(producer, "AAA", 5);
                awaitReceived(port, 6);

                try (Subscription again = new Subscription(port, "?symbol=AAA", lastId)) {
                    Event ready = again.next();
                    assertEquals("ready", ready.name());
                    assertTrue(ready.json().get("resumed").asBoolean(), ready.data());
                    List<Long> seqs = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        Event e = again.next();
                        assertEquals("forecast", e.name());
                        seqs.add(e.json().get("seq").asLong());
                    }
                    assertEquals(List.of(3L, 4L, 5L), seqs, "AAA's missed forecasts, in order");
                    send(producer, "AAA", 6);
                    assertEquals(6L, again.next().json().get("seq").asLong(), "then the live ones");
                }

                // The service restarts: the ids of the old instance mean nothing to the new one.
                service.close();
                service = ForecastService.start(db, ForecastService.Settings.local(port, broker.bootstrapServers()), new ServiceMetrics());
                try (Subscription afterRestart = new Subscription(port, "", lastId)) {
                    Event ready = afterRestart.next();
                    assertEquals(false, ready.json().get("resumed").asBoolean(), "the client must reload: " + ready.data());
                } finally {
                    service.close();
                }
            }
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String symbol, long seq) throws Exception {
        Forecast f = new Forecast(symbol, 1_700_000_000_000L + seq * 1000, 100 + seq, seq, "60s", new float[] {0.1f, 0.5f, 0.9f},
                new float[] {-0.01f, 0f, 0.01f}, "m", "v1");
        producer.send(new ProducerRecord<>("forecasts", symbol.getBytes(StandardCharsets.UTF_8), f.toJson())).get();
    }

    private static JsonNode health(int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body()).path("checks").path("live_feed");
    }

    private static void awaitFeedAssigned(int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!"UP".equals(health(port).path("status").asText()) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals("UP", health(port).path("status").asText(), "the live feed positioned on the topic");
    }

    private static void awaitReceived(int port, long n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (health(port).path("received").asLong() < n && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(n, health(port).path("received").asLong(), "forecasts the live feed received");
    }
}
