package org.mambats.ingest.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.tick.Tick;
import org.mambats.model.tick.TickCsv;
import org.mambats.model.tick.TickJson;
import org.mambats.model.tick.TickRow;

/**
 * Snapshots plus replay, on one task driven by hand: a task that stops between two snapshots and is started again
 * from what its store held (as the changelog would restore it) and from the ticks after the snapshot (as the input
 * topic would give them back) continues with the forecasts of a task that never stopped, byte for byte.
 */
class StateSnapshotReplayTest {
    private static final String TOPIC = "ticks";

    @TempDir
    Path tmp;
    ForecastModel model;
    /** The input partition: every tick of three interleaved symbols, and one malformed record, at offsets 0, 1, ... */
    List<ConsumerRecord<byte[], byte[]>> log;

    @BeforeEach
    void setUp() throws Exception {
        Path csv = TestModels.syntheticCsv(tmp, 150, "AAA", "BBB", "CCC");
        model = TestModels.checkpoint(tmp, csv);
        List<Tick> ticks = new ArrayList<>();
        for (TickRow r : TickCsv.readAll(csv.toString(), null)) {
            ticks.add(r.tick().withSeq(r.index()));
        }
        ticks.sort(Comparator.comparingLong(Tick::timeMillis));
        log = new ArrayList<>();
        for (Tick t : ticks) {
            if (log.size() == 250) {
                log.add(new ConsumerRecord<>(TOPIC, 0, log.size(), "AAA".getBytes(StandardCharsets.UTF_8),
                        "{not json".getBytes(StandardCharsets.UTF_8)));
            }
            log.add(new ConsumerRecord<>(TOPIC, 0, log.size(), t.symbol().getBytes(StandardCharsets.UTF_8), TickJson.write(t)));
        }
    }

    /** One task: the operator on a mock context, with a store of its own. */
    private final class Task {
        final MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
        final KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StreamTopics.STATE_STORE),
                Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build();
        final OperatorCounters counters = new OperatorCounters();
        final MambaForecastProcessor processor;

        /** Starts with {@code restored} in its store, replaying from {@code replay}. */
        Task(long intervalMs, KeyValueStore<String, byte[]> restored, InputReplay replay) {
            store.init(context.getStateStoreContext(), store);
            context.addStateStore(store);
            if (restored != null) {
                try (KeyValueIterator<String, byte[]> it = restored.all()) {
                    while (it.hasNext()) {
                        KeyValue<String, byte[]> kv = it.next();
                        store.put(kv.key, kv.value);
                    }
                }
            }
            processor = new MambaForecastProcessor(model, counters, TOPIC, new StateSnapshots(intervalMs, c -> replay));
            processor.init(context);
        }

        /** Processes log[from, to) and returns the forecast records' values. */
        List<byte[]> process(int from, int to) {
            context.resetForwards();
            for (ConsumerRecord<byte[], byte[]> r : log.subList(from, to)) {
                context.setRecordMetadata(r.topic(), r.partition(), r.offset());
                processor.process(new Record<>(r.key(), r.value(), r.offset()));
            }
            List<byte[]> out = new ArrayList<>();
            context.forwarded(MambaForecastProcessor.FORECAST_SINK).forEach(f -> out.add(f.record().value()));
            return out;
        }

        void snapshot() {
            context.scheduledPunctuators().get(0).getPunctuator().punctuate(0);
        }
    }

    /** Gives back the log's records after {@code after} and below {@code committed}, as the input topic would. */
    private InputReplay replayUpTo(long committed) {
        return (partition, after, each) -> {
            assertEquals(new TopicPartition(TOPIC, 0), partition);
            long n = 0;
            for (ConsumerRecord<byte[], byte[]> r : log) {
                if (r.offset() > after && r.offset() < committed) {
                    each.accept(r);
                    n++;
                }
            }
            return n;
        };
    }

    private static void assertSameRecords(List<byte[]> expected, List<byte[]> got) {
        assertEquals(expected.size(), got.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), got.get(i), "forecast record " + i);
        }
    }

    @Test
    void aTaskRestartedFromItsLastSnapshotAndTheReplayContinuesExactly() {
        int snapshotAt = 150, stopAt = 320, end = log.size();
        Task uninterrupted = new Task(10_000, null, InputReplay.NONE);
        uninterrupted.process(0, stopAt);
        List<byte[]> expected = uninterrupted.process(stopAt, end);

        Task first = new Task(10_000, null, InputReplay.NONE);
        first.process(0, snapshotAt);
        first.snapshot();
        first.process(snapshotAt, stopAt); // stops here: these ticks are committed, their states are not stored
        for (String symbol : List.of("AAA", "BBB", "CCC")) {
            assertEquals(snapshotAt - 1, MambaForecastProcessor.storedOffset(first.store.get(symbol)), symbol);
        }

        Task second = new Task(10_000, first.store, replayUpTo(stopAt));
        assertEquals(stopAt - snapshotAt, second.counters.replayed.sum(), "the ticks between the snapshot and the committed position");
        assertTrue(second.context.forwarded().isEmpty(), "a replay emits nothing: its forecasts and dead letters were sent before");
        assertSameRecords(expected, second.process(stopAt, end));

        // Without the replay the states are those of the snapshot, and the forecasts differ: the replay matters.
        Task noReplay = new Task(10_000, first.store, InputReplay.NONE);
        List<byte[]> stale = noReplay.process(stopAt, end);
        assertFalse(java.util.Arrays.equals(expected.get(0), stale.get(0)));
    }

    @Test
    void withAStateAfterEveryTickThereIsNothingToReplay() {
        int stopAt = 320, end = log.size();
        Task uninterrupted = new Task(0, null, InputReplay.NONE);
        uninterrupted.process(0, stopAt);
        List<byte[]> expected = uninterrupted.process(stopAt, end);

        Task first = new Task(0, null, InputReplay.NONE);
        first.process(0, stopAt);
        assertTrue(first.context.scheduledPunctuators().isEmpty());
        Task second = new Task(0, first.store, replayUpTo(stopAt));
        assertEquals(0, second.counters.replayed.sum());
        assertSameRecords(expected, second.process(stopAt, end));
    }

    @Test
    void aStoreWrittenByAnOlderVersionStopsTheTaskWithAClearError() {
        KeyValueStore<String, byte[]> old = new Task(0, null, InputReplay.NONE).store;
        old.put("AAA", model.newState().toBytes()); // the format before snapshots: no offset in front
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Task(0, old, InputReplay.NONE));
        assertTrue(e.getMessage().contains("'AAA'") && e.getMessage().contains("cannot read"), e.getMessage());
    }

    @Test
    void aTaskWithNoSnapshotYetReplaysFromTheStart() {
        int stopAt = 320, end = log.size();
        Task uninterrupted = new Task(10_000, null, InputReplay.NONE);
        uninterrupted.process(0, stopAt);
        List<byte[]> expected = uninterrupted.process(stopAt, end);

        Task second = new Task(10_000, null, replayUpTo(stopAt));
        assertEquals(stopAt, second.counters.replayed.sum());
        assertSameRecords(expected, second.process(stopAt, end));
    }
}
