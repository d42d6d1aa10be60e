package org.mambats.ingest.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mambats.model.tick.RowCounts;
import org.mambats.model.cli.PredictCommand;
import org.mambats.model.forecast.Forecast;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.forecast.ForecastStepper;
import org.mambats.model.forecast.SymbolState;
import org.mambats.model.tick.Tick;
import org.mambats.model.tick.TickCsv;
import org.mambats.model.tick.TickJson;
import org.mambats.model.tick.TickValidator;
import org.mambats.model.tick.TickRow;

/** The topology on Kafka Streams' test driver: parity with predict, dead letters, duplicates, state. */
class ForecastTopologyTest {
    @TempDir
    Path tmp;

    private TopologyTestDriver driver(ForecastModel model, OperatorCounters counters) {
        return driver(model, counters, 10L * 1024 * 1024, false, 0);
    }

    /** The test driver has no broker to replay from; no task here ever starts from a committed position anyway. */
    private TopologyTestDriver driver(ForecastModel model, OperatorCounters counters, long cacheBytes, boolean inMemoryStore,
            long snapshotIntervalMs) {
        Properties p = new Properties();
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, cacheBytes);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("state").toString());
        return new TopologyTestDriver(ForecastTopology.build(model, StreamTopics.DEFAULT, counters, inMemoryStore,
                new StateSnapshots(snapshotIntervalMs, c -> InputReplay.NONE)), p);
    }

    private static List<Tick> ticksOf(Path csv) throws Exception {
        List<Tick> out = new ArrayList<>();
        for (TickRow r : TickCsv.readAll(csv.toString(), null)) {
            out.add(r.tick().withSeq(r.index()));
        }
        return out;
    }

    /**
     * With states written after every tick (interval 0) the record cache's size matters: a large cache (flushes at
     * commits only), none (every put goes to RocksDB or the in-memory store) and one with room for a single state,
     * where three interleaved symbols evict each other on every put. With snapshots the store is written only when
     * the wall-clock punctuation fires.
     */
    @ParameterizedTest(name = "cache {0} bytes, in-memory store {1}, snapshot interval {2} ms")
    @CsvSource({"10485760,false,0", "0,false,0", "0,true,0", "25000,false,0", "25000,true,0", "10485760,false,10000", "0,true,10000"})
    void forecastsEqualPredictBitForBitAcrossSymbols(long cacheBytes, boolean inMemoryStore, long snapshotIntervalMs) throws Exception {
        assertTrue(Runtime.version().feature() >= 25, "RocksDB and the operator run on Java " + Runtime.version());
        Path csv = TestModels.syntheticCsv(tmp, 400, "AAA", "BBB", "CCC");
        ForecastModel model = TestModels.checkpoint(tmp, csv);
        Map<String, float[]> expected = TestModels.predicted(model, csv);
        OperatorCounters counters = new OperatorCounters();
        try (TopologyTestDriver d = driver(model, counters, cacheBytes, inMemoryStore, snapshotIntervalMs)) {
            TestInputTopic<byte[], byte[]> in = d.createInputTopic("ticks", new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> out = d.createOutputTopic("forecasts", new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<Tick> ticks = ticksOf(csv);
            // Interleave the symbols as a live feed would.
            ticks.sort(java.util.Comparator.comparingLong(Tick::timeMillis));
            for (Tick t : ticks) {
                in.pipeInput(t.symbol().getBytes(StandardCharsets.UTF_8), TickJson.write(t));
            }
            List<TestRecord<byte[], byte[]>> records = out.readRecordsToList();
            assertEquals(expected.size(), records.size());
            for (TestRecord<byte[], byte[]> r : records) {
                Forecast f = Forecast.fromJson(r.value());
                assertEquals(f.symbol(), new String(r.key(), StandardCharsets.UTF_8));
                float[] q = expected.get(f.symbol() + "," + f.seq() + "," + f.horizon());
                assertNotNull(q, "predict has no row for " + f);
                assertArrayEquals(q, f.logReturns(), 0f, "forecast " + f.symbol() + " seq " + f.seq() + " " + f.horizon());
                assertEquals("test-model", f.model());
                assertEquals(model.version(), f.version());
            }
            assertEquals(ticks.size(), counters.accepted.sum());
            KeyValueStore<String, byte[]> store = d.getKeyValueStore(StreamTopics.STATE_STORE);
            if (snapshotIntervalMs > 0) {
                assertEquals(null, store.get("AAA"), "no snapshot before the interval has passed");
                d.advanceWallClockTime(java.time.Duration.ofMillis(snapshotIntervalMs));
            }
            // What the store holds is each symbol's state after its last tick, as the in-process stepper has it,
            // after the offset it includes: the symbol's last tick, or with snapshots the last record of all.
            for (String symbol : List.of("AAA", "BBB", "CCC")) {
                byte[] value = store.get(symbol);
                assertNotNull(value, symbol);
                assertArrayEquals(finalState(model, ticks, symbol).toBytes(), StoredSymbolState.stateOf(model, value).toBytes(), symbol);
                int last = snapshotIntervalMs > 0 ? ticks.size() - 1 : lastIndexOf(ticks, symbol);
                assertEquals(last, StoredSymbolState.offset(value), symbol);
            }
        }
    }

    private static int lastIndexOf(List<Tick> ticks, String symbol) {
        for (int i = ticks.size() - 1; i >= 0; i--) {
            if (ticks.get(i).symbol().equals(symbol)) {
                return i;
            }
        }
        return -1;
    }

    private static SymbolState finalState(ForecastModel model, List<Tick> ticks, String symbol) {
        ForecastStepper stepper = model.newStepper();
        SymbolState state = model.newState();
        for (Tick t : ticks) {
            if (t.symbol().equals(symbol)) {
                stepper.process(t, state);
            }
        }
        return state;
    }

    @Test
    void badTicksGoToTheDeadLetterTopicAndNeverTouchTheState() throws Exception {
        Path csv = TestModels.syntheticCsv(tmp, 60, "AAA");
        ForecastModel model = TestModels.checkpoint(tmp, csv);
        List<Tick> ticks = ticksOf(csv);
        String[] bad = {
                "{not json",
                "{\"symbol\":\"AAA\",\"ts\":1700000000000,\"price\":\"NaN\",\"size\":1,\"seq\":1000}",
                "{\"symbol\":\"AAA\",\"ts\":1700000000000,\"price\":NaN,\"size\":1,\"seq\":1001}",
                "{\"symbol\":\"AAA\",\"ts\":1700000000000,\"price\":\"Infinity\",\"size\":1,\"seq\":1002}",
                "{\"symbol\":\"AAA\",\"ts\":1700000000000,\"price\":-5,\"size\":1,\"seq\":1003}",
                "{\"symbol\":\"AAA\",\"ts\":1700000000000,\"price\":5,\"size\":-1,\"seq\":1004}",
                "{\"ts\":1700000000000,\"price\":5,\"size\":1}",
                "{\"symbol\":\"AAA\",\"ts\":\"yesterday\",\"price\":5,\"size\":1}",
                "{\"symbol\":\"ZZZ\",\"ts\":1700000000000,\"price\":5,\"size\":1}",
                // A corrupt print among good ones: far outside the price band around the last accepted price.
                "{\"symbol\":\"AAA\",\"ts\":" + ticks.get(30).timeMillis() + ",\"price\":1e-300,\"size\":1,\"seq\":1005}",
                // A good tick but for its missing seq, among numbered ones.
                "{\"symbol\":\"AAA\",\"ts\":" + ticks.get(30).timeMillis() + ",\"price\":" + ticks.get(30).price() + ",\"size\":3}",
        };
        String[] reasons = {"unparseable tick: malformed JSON", "non-finite price NaN", "non-finite price NaN",
                "non-finite price Infinity", "non-positive price -5.0", "negative size -1.0", "missing symbol",
                "unparseable tick: unparseable time 'yesterday'", "record key 'AAA' does not match the tick's symbol 'ZZZ'",
                TickValidator.PRICE_BAND + ": 1.0E-300 is", TickValidator.MISSING_SEQ};
        OperatorCounters counters = new OperatorCounters();
        try (TopologyTestDriver d = driver(model, counters)) {
            TestInputTopic<byte[], byte[]> in = d.createInputTopic("ticks", new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> dlq = d.createOutputTopic("ticks-dlq", new ByteArrayDeserializer(), new ByteArrayDeserializer());
            TestOutputTopic<byte[], byte[]> out = d.createOutputTopic("forecasts", new ByteArrayDeserializer(), new ByteArrayDeserializer());
            byte[] key = "AAA".getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < ticks.size(); i++) {
                in.pipeInput(key, TickJson.write(ticks.get(i)));
                if (i == 30) {
                    for (String b : bad) {
                        in.pipeInput(key, b.getBytes(StandardCharsets.UTF_8));
                    }
                    in.pipeInput(key, TickJson.write(ticks.get(i))); // a duplicate: dropped, counted, no dead letter
                }
            }
            List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
            assertEquals(bad.length, dead.size());
            for (int i = 0; i < bad.length; i++) {
                assertArrayEquals(bad[i].getBytes(StandardCharsets.UTF_8), dead.get(i).value(), "original bytes kept");
                Header reason = dead.get(i).headers().lastHeader(MambaForecastProcessor.HEADER_REASON);
                String text = new String(reason.value(), StandardCharsets.UTF_8);
                assertTrue(text.startsWith(reasons[i]), "reason '" + text + "' should start with '" + reasons[i] + "'");
                assertNotNull(dead.get(i).headers().lastHeader("dlq.offset"));
            }
            assertEquals(bad.length, counters.deadLetters.sum());
            assertEquals(1, counters.duplicates.sum());
            // The forecasts are exactly those of the clean ticks alone: nothing bad reached the state.
            Map<String, float[]> expected = TestModels.predicted(model, csv);
            List<TestRecord<byte[], byte[]>> records = out.readRecordsToList();
            assertEquals(expected.size(), records.size());
            for (TestRecord<byte[], byte[]> r : records) {
                Forecast f = Forecast.fromJson(r.value());
                assertArrayEquals(expected.get(f.symbol() + "," + f.seq() + "," + f.horizon()), f.logReturns(), 0f);
            }
            KeyValueStore<String, byte[]> store = d.getKeyValueStore(StreamTopics.STATE_STORE);
            SymbolState state = StoredSymbolState.stateOf(model, store.get("AAA"));
            assertTrue(state.mamba.isFinite());
            assertEquals(ticks.size(), state.position.count());
            assertEquals(null, store.get("ZZZ"), "a rejected tick creates no state");
        }
    }
}
