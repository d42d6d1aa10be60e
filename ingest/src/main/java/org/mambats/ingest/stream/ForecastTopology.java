package org.mambats.ingest.stream;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.mambats.model.forecast.ForecastModel;

/**
 * ticks (JSON) -> Mamba operator (with the per-symbol state store) -> forecasts (JSON), and the dead-letter
 * topic for what cannot be used. Records are keyed by symbol, so the ticks topic's partitions spread symbols
 * over instances and each symbol's state lives in exactly one task.
 */
public final class ForecastTopology {
    private ForecastTopology() {
    }

    /**
     * @param inMemoryStore keep the snapshot store in memory instead of RocksDB (restored from the changelog on start)
     * @param snapshots     when symbol states are written to the store, and how a starting task replays the rest
     */
    public static Topology build(ForecastModel model, StreamTopics topics, OperatorCounters counters, boolean inMemoryStore,
            StateSnapshots snapshots) {
        StoreBuilder<KeyValueStore<String, byte[]>> store = Stores.keyValueStoreBuilder(
                        inMemoryStore ? Stores.inMemoryKeyValueStore(StreamTopics.STATE_STORE)
                                : Stores.persistentKeyValueStore(StreamTopics.STATE_STORE), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(java.util.Map.of("cleanup.policy", "compact"));
        Topology t = new Topology();
        t.addSource("ticks-source", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), topics.ticks());
        t.addProcessor("mamba", () -> new MambaForecastProcessor(model, counters, topics.ticks(), snapshots), "ticks-source");
        t.addStateStore(store, "mamba");
        t.addSink(MambaForecastProcessor.FORECAST_SINK, topics.forecasts(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(), "mamba");
        t.addSink(MambaForecastProcessor.DLQ_SINK, topics.deadLetters(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(), "mamba");
        return t;
    }
}
