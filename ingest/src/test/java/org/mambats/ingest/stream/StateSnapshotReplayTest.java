package org.mambats.ingest.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
            this(model, intervalMs, restored, replay, StateSnapshots.DEFAULT_REBUILD_TICKS);
        }

        Task(ForecastModel taskModel, long intervalMs, KeyValueStore<String, byte[]> restored, InputReplay replay, long rebuildTicks) {
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
            processor = new MambaForecastProcessor(taskModel, counters, TOPIC, new StateSnapshots(intervalMs, c -> replay, rebuildTicks));
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
        return (partition, after, atMost, each) -> {
            assertEquals(new TopicPartition(TOPIC, 0), partition);
            long n = 0;
            for (ConsumerRecord<byte[], byte[]> r : log) {
                if (r.offset() > after && r.offset() < committed && r.offset() >= committed - atMost) {
                    each.accept(r);
                    n++;
                }
            }
            return n;
        };
    }

    /** The forecasts for log[stopAt, end) of a task of {@code m} that has seen log[from, stopAt) and never stopped. */
    private List<byte[]> forecastsOfATaskThatNeverStopped(ForecastModel m, long intervalMs, int from, int stopAt) {
        Task t = new Task(m, intervalMs, null, InputReplay.NONE, 0);
        t.process(from, stopAt);
        return t.process(stopAt, log.size());
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
        List<byte[]> expected = forecastsOfATaskThatNeverStopped(model, 10_000, 0, stopAt);

        Task first = new Task(10_000, null, InputReplay.NONE);
        first.process(0, snapshotAt);
        first.snapshot();
        first.process(snapshotAt, stopAt); // stops here: these ticks are committed, their states are not stored
        for (String symbol : List.of("AAA", "BBB", "CCC")) {
            assertEquals(snapshotAt - 1, StoredSymbolState.offset(first.store.get(symbol)), symbol);
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
        List<byte[]> expected = forecastsOfATaskThatNeverStopped(model, 0, 0, stopAt);

        Task first = new Task(0, null, InputReplay.NONE);
        first.process(0, stopAt);
        assertTrue(first.context.scheduledPunctuators().isEmpty());
        Task second = new Task(0, first.store, replayUpTo(stopAt));
        assertEquals(0, second.counters.replayed.sum());
        assertSameRecords(expected, second.process(stopAt, end));
    }

    @Test
    void aNewModelBuildsItsStatesAnewFromTheInputInsteadOfCarryingOnTheOldOnes() throws Exception {
        int stopAt = 320, end = log.size();
        ForecastModel retrained = TestModels.checkpoint(tmp, tmp.resolve("ticks.csv"), 6);
        assertFalse(retrained.version().equals(model.version()));
        // What the new model forecasts had it run over the whole partition.
        List<byte[]> expected = forecastsOfATaskThatNeverStopped(retrained, 10_000, 0, stopAt);

        // The old model ran up to stopAt and snapshotted; its store also holds a symbol the input no longer has.
        Task old = new Task(10_000, null, InputReplay.NONE);
        old.process(0, stopAt);
        old.snapshot();
        old.store.put("GONE", StoredSymbolState.encode(model.version(), 3, model.newState()));

        Task restarted = new Task(retrained, 10_000, old.store, replayUpTo(stopAt), Long.MAX_VALUE);
        assertEquals(stopAt, restarted.counters.replayed.sum(), "every tick of the partition stepped again by the new model");
        assertTrue(restarted.context.forwarded().isEmpty(), "a rebuild emits nothing");
        assertSameRecords(expected, restarted.process(stopAt, end));

        // The next snapshot leaves only the new model's states.
        restarted.snapshot();
        for (String symbol : List.of("AAA", "BBB", "CCC")) {
            assertEquals(retrained.version(), StoredSymbolState.modelVersion(restarted.store.get(symbol)), symbol);
        }
        assertNull(restarted.store.get("GONE"), "an old state the rebuild did not reach is deleted, not left for a later start");

        // Carrying on from the old model's states would not give these forecasts.
        Task carriedOn = new Task(retrained, 10_000, null, InputReplay.NONE, 0);
        List<byte[]> fromNothing = carriedOn.process(stopAt, end);
        assertFalse(java.util.Arrays.equals(expected.get(0), fromNothing.get(0)), "the rebuild's history matters");
    }

    @Test
    void aRebuildStepsOnlyThePartitionsLatestTicks() throws Exception {
        int stopAt = 320, end = log.size(), rebuild = 100;
        ForecastModel retrained = TestModels.checkpoint(tmp, tmp.resolve("ticks.csv"), 6);
        List<byte[]> expected = forecastsOfATaskThatNeverStopped(retrained, 10_000, stopAt - rebuild, stopAt);

        Task old = new Task(10_000, null, InputReplay.NONE);
        old.process(0, stopAt);
        old.snapshot();
        Task restarted = new Task(retrained, 10_000, old.store, replayUpTo(stopAt), rebuild);
        assertEquals(rebuild, restarted.counters.replayed.sum());
        assertSameRecords(expected, restarted.process(stopAt, end));
    }

    @Test
    void aStoreWrittenBeforeModelVersionsWereStoredIsRebuiltToo() {
        int stopAt = 320, end = log.size();
        List<byte[]> expected = forecastsOfATaskThatNeverStopped(model, 10_000, 0, stopAt);

        KeyValueStore<String, byte[]> old = new Task(0, null, InputReplay.NONE).store;
        byte[] state = model.newState().toBytes(); // the previous format: the offset, then the state
        old.put("AAA", java.nio.ByteBuffer.allocate(8 + state.length).putLong(5).put(state).array());
        Task restarted = new Task(10_000, old, replayUpTo(stopAt));
        assertEquals(stopAt, restarted.counters.replayed.sum());
        assertSameRecords(expected, restarted.process(stopAt, end));
    }

    @Test
    void aTaskWithNoSnapshotYetReplaysFromTheStart() {
        int stopAt = 320, end = log.size();
        List<byte[]> expected = forecastsOfATaskThatNeverStopped(model, 10_000, 0, stopAt);

        Task second = new Task(10_000, null, replayUpTo(stopAt));
        assertEquals(stopAt, second.counters.replayed.sum());
        assertSameRecords(expected, second.process(stopAt, end));
    }
}
