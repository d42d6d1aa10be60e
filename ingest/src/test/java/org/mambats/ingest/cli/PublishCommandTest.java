package org.mambats.ingest.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.ingest.broker.KafkaBroker;
import org.mambats.model.tick.TickJson;
import picocli.CommandLine;

/** {@code publish} on a real broker: numbering across files, and a missing topic. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PublishCommandTest {
    @TempDir
    static Path dir;
    static KafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.builder(dir.resolve("kafka")).port(0).inProcess(true).start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private static Path csv(String name, long firstSecond) throws Exception {
        StringBuilder sb = new StringBuilder("timestamp,price,amount\n");
        for (int i = 0; i < 10; i++) {
            sb.append(firstSecond + i).append(',').append(100 + i).append(",0.5\n");
        }
        return Files.writeString(dir.resolve(name), sb);
    }

    @Test
    void aSecondFileContinuesTheNumberingFromSeqStart() throws Exception {
        broker.createTopics("two-files", 1);
        CommandLine cli = new CommandLine(new PublishCommand());
        assertEquals(0, cli.execute("--data", csv("day-a.csv", 1_700_000_000L).toString(), "--topic", "two-files",
                "--bootstrap", broker.bootstrapServers()));
        assertEquals(0, new CommandLine(new PublishCommand()).execute("--data", csv("day-b.csv", 1_700_086_400L).toString(),
                "--topic", "two-files", "--bootstrap", broker.bootstrapServers(), "--seq-start", "10"));
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<Long> seqs = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of("two-files"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (seqs.size() < 20 && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    seqs.add(TickJson.parse(r.value()).tick().seq());
                }
            }
        }
        assertEquals(LongStream.range(0, 20).boxed().toList(), seqs, "the second file numbered on from the first");
    }

    @Test
    void aMissingTopicFailsWithWhatToDo() throws Exception {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new PublishCommand());
        cli.setErr(new PrintWriter(err));
        long start = System.nanoTime();
        int rc = cli.execute("--data", csv("day-c.csv", 1_700_000_000L).toString(), "--topic", "no-such-topic",
                "--bootstrap", broker.bootstrapServers(), "--wait-for-topic", "1");
        assertNotEquals(0, rc);
        assertTrue(err.toString().contains("topic no-such-topic does not exist") && err.toString().contains("mamba-ts stream"), err.toString());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos(), "not the producer's one-minute metadata timeout");
    }
}
