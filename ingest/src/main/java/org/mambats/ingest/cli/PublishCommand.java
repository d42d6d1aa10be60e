package org.mambats.ingest.cli;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.mambats.ingest.kafka.KafkaConnection;
import org.mambats.ingest.kafka.KafkaOptions;
import org.mambats.ingest.stream.StreamTopics;
import org.mambats.model.tick.Tick;
import org.mambats.model.tick.TickCsv;
import org.mambats.model.tick.TickFileOptions;
import org.mambats.model.tick.TickJson;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./mamba-ts publish}: replays a CSV of ticks into Kafka as JSON, keyed by symbol. */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Replay a CSV of ticks into a Kafka topic as JSON, keyed by symbol; seq is the row's 0-based index unless "
                + "the file has a seq column.")
public class PublishCommand implements Callable<Integer> {
    @Mixin
    TickFileOptions file = new TickFileOptions();
    @Option(names = "--topic", defaultValue = StreamTopics.DEFAULT_TICKS, description = "Topic (default ${DEFAULT-VALUE}).")
    String topic;
    @Mixin
    KafkaOptions kafka = new KafkaOptions();
    @Option(names = "--seq-start", defaultValue = "0",
            description = "For files without a seq column, seq is this plus the row's 0-based index (default ${DEFAULT-VALUE}). The "
                    + "stream drops a tick whose seq is not above its symbol's last as a duplicate: to publish a second file for "
                    + "the same symbols, start after the last seq of the first.")
    long seqStart;
    @Option(names = "--wait-for-topic", defaultValue = "60", paramLabel = "SECONDS",
            description = "Wait this long for the topic to exist (a stream starting alongside creates it), then fail (default ${DEFAULT-VALUE}).")
    long waitForTopicSeconds;
    @Option(names = "--limit", description = "Publish at most this many rows.")
    Long limit;

    @ArgGroup(exclusive = true)
    Pace pace = new Pace();

    static class Pace {
        @Option(names = "--rate", description = "Ticks per second (default: as fast as possible).")
        Double rate;
        @Option(names = "--as-fast-as-possible", description = "No pacing (the default).")
        boolean asFastAsPossible;
    }

    @Override
    public Integer call() throws Exception {
        KafkaConnection connection = kafka.connection();
        // No tick lost or doubled by a retry, unless the user's settings say otherwise.
        Properties p = connection.properties(Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024));
        requireTopic(connection.properties());
        long[] counts = new long[3]; // published, skipped (unparseable), filtered
        long[] numbered = {Long.MIN_VALUE}; // the highest seq this run gave a row (files without a seq column)
        AtomicReference<Exception> failure = new AtomicReference<>();
        long start = System.nanoTime();
        double rate = pace.rate == null ? 0 : pace.rate;
        if (pace.rate != null && !(rate > 0)) {
            throw new IllegalArgumentException("--rate must be positive");
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            long[] lastReport = {start};
            TickCsv.read(file.data, TickCsv.defaultSymbol(file.symbol), row -> {
                if (failure.get() != null || (limit != null && counts[0] + counts[1] >= limit)) {
                    return;
                }
                if (!row.parsed()) {
                    counts[1]++;
                    System.err.println("publish: row " + row.index() + " skipped: " + row.error());
                    return;
                }
                Tick t = row.numberedTick(seqStart);
                if (!row.tick().hasSeq()) {
                    numbered[0] = Math.max(numbered[0], t.seq());
                }
                if (file.symbol != null && !file.symbol.equals(t.symbol())) {
                    counts[2]++;
                    return;
                }
                if (rate > 0) {
                    long due = start + (long) (counts[0] / rate * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        try {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            failure.set(e);
                            return;
                        }
                    }
                }
                producer.send(new ProducerRecord<>(topic, t.symbol().getBytes(StandardCharsets.UTF_8), TickJson.write(t)),
                        (meta, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            }
                        });
                counts[0]++;
                long now = System.nanoTime();
                if (now - lastReport[0] > 5_000_000_000L) {
                    lastReport[0] = now;
                    System.err.printf(Locale.ROOT, "publish: %,d ticks (%.0f/s)%n", counts[0], counts[0] / ((now - start) / 1e9));
                }
            });
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("publishing to " + topic + " at " + kafka.bootstrap() + " failed: " + failure.get().getMessage(),
                    failure.get());
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.err.printf(Locale.ROOT, "publish: %,d ticks to %s in %.1f s (%.0f/s); %d unparseable rows skipped%s%n",
                counts[0], topic, secs, counts[0] / secs, counts[1],
                numbered[0] == Long.MIN_VALUE ? "" : "; numbered up to seq " + numbered[0] + " (a next file for the same symbols: --seq-start "
                        + (numbered[0] + 1) + ")");
        return 0;
    }

    /**
     * Waits up to --wait-for-topic seconds for the topic to exist (a stream starting next to this command creates
     * it), saying so, then fails with what to do, instead of the producer's bare metadata timeout. publish never
     * creates topics: stream creates its topics with its partition count.
     */
    private void requireTopic(Properties client) throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(waitForTopicSeconds).toNanos();
        boolean said = false;
        try (Admin admin = Admin.create(client)) {
            while (true) {
                try {
                    admin.describeTopics(List.of(topic), new DescribeTopicsOptions().timeoutMs(15_000)).allTopicNames().get();
                    return;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                        throw new IllegalStateException("cannot reach Kafka at " + kafka.bootstrap() + " within 15 s", e.getCause());
                    }
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        return; // not allowed to describe topics, say: the producer will tell whether it may write
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalArgumentException("topic " + topic + " does not exist at " + kafka.bootstrap()
                            + ": start ./mamba-ts stream (it creates its topics) or create the topic");
                }
                if (!said) {
                    System.err.println("publish: waiting up to " + waitForTopicSeconds + " s for topic " + topic
                            + " to be created (./mamba-ts stream creates its topics)");
                    said = true;
                }
                Thread.sleep(500);
            }
        }
    }
}
