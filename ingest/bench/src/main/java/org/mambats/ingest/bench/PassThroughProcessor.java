package org.mambats.ingest.bench;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.mambats.ingest.stream.MambaForecastProcessor;
import org.mambats.ingest.stream.OperatorCounters;
import org.mambats.ingest.stream.StreamTopics;
import org.mambats.model.forecast.Forecast;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.tick.Tick;
import org.mambats.model.tick.TickJson;

/**
 * The benchmark's yardstick: the same topology with the Mamba operator replaced by one that parses the tick and
 * emits the same number of forecast records (all zeros), with no model and no state store. The throughput ratio
 * of the two is the cost of the model and its state.
 */
final class PassThroughProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    private final int horizons;
    private final float[] levels;
    private final float[] zeros;
    private final OperatorCounters counters;
    private final Forecast.JsonWriter json = new Forecast.JsonWriter();
    private ProcessorContext<byte[], byte[]> context;

    /** The live topology's sources and sinks around this processor: no model, no state store. */
    static Topology topology(ForecastModel model, StreamTopics topics, OperatorCounters counters) {
        Topology t = new Topology();
        t.addSource("ticks-source", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), topics.ticks());
        t.addProcessor("pass-through", () -> new PassThroughProcessor(model.horizons().size(), model.quantiles(), counters),
                "ticks-source");
        t.addSink(MambaForecastProcessor.FORECAST_SINK, topics.forecasts(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(), "pass-through");
        t.addSink(MambaForecastProcessor.DLQ_SINK, topics.deadLetters(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(), "pass-through");
        return t;
    }

    PassThroughProcessor(int horizons, float[] levels, OperatorCounters counters) {
        this.horizons = horizons;
        this.levels = levels.clone();
        this.zeros = new float[levels.length];
        this.counters = counters;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        counters.ticksIn.increment();
        Tick t = TickJson.parse(record.value()).tick();
        if (t == null) {
            return;
        }
        counters.accepted.increment();
        byte[] key = t.symbol().getBytes(StandardCharsets.UTF_8);
        for (int h = 0; h < horizons; h++) {
            Forecast f = new Forecast(t.symbol(), t.timeMillis(), t.price(), t.seq(), "h" + h, levels, zeros, "pass-through", "0");
            context.forward(new Record<>(key, json.write(f), record.timestamp(), new RecordHeaders()), MambaForecastProcessor.FORECAST_SINK);
            counters.forecasts.increment();
        }
    }
}
