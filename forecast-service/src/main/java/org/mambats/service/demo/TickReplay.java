package org.mambats.service.demo;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.mambats.model.tick.Tick;
import org.mambats.model.tick.TickJson;
import org.mambats.model.tick.TickRow;

/**
 * Replays recorded ticks into the ticks topic the way a market feed would: a history part as fast as possible, then
 * the rest at a steady rate (ticks per second of wall time), so the dashboard has a past and a live present.
 */
final class TickReplay implements Runnable {
    private final String bootstrap;
    private final String topic;
    private final List<TickRow> rows;
    private final int historyEnd;
    private final double rate;
    private final AtomicLong published = new AtomicLong();
    private volatile boolean stopped;
    private volatile Throwable failure;

    /**
     * @param rows       the rows to replay, in file order; seq is the row's index in the file
     * @param historyEnd rows before this index go as fast as possible
     * @param rate       ticks per second for the rest
     */
    TickReplay(String bootstrap, String topic, List<TickRow> rows, int historyEnd, double rate) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.rows = rows;
        this.historyEnd = historyEnd;
        this.rate = rate;
    }

    long published() {
        return published.get();
    }

    Throwable failure() {
        return failure;
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // Not idempotent, one request in flight: a retry can only repeat a tick (which the stream drops by its seq),
        // never reorder one. An idempotent producer on the busy single local broker was seen to give up on ticks
        // with OUT_OF_ORDER_SEQUENCE_NUMBER (stream benchmark, tests).
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            long liveStart = 0;
            for (int i = 0; i < rows.size() && !stopped; i++) {
                TickRow row = rows.get(i);
                if (!row.parsed()) {
                    continue;
                }
                if (i == historyEnd) {
                    producer.flush();
                    liveStart = System.nanoTime();
                }
                if (i >= historyEnd) {
                    long due = liveStart + (long) ((i - historyEnd) / rate * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                Tick t = row.numberedTick();
                producer.send(new ProducerRecord<>(topic, t.symbol().getBytes(StandardCharsets.UTF_8), TickJson.write(t)), (m, e) -> {
                    if (e != null && failure == null) {
                        failure = e;
                    }
                });
                published.incrementAndGet();
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure = e;
        }
    }
}
