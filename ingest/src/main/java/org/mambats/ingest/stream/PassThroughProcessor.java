package org.mambats.ingest.stream;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.mambats.model.forecast.Forecast;
import org.mambats.model.tick.Tick;
import org.mambats.model.tick.TickJson;

/**
 * The benchmark's yardstick: the same topology with the Mamba operator replaced by one that parses the tick and
 * emits the same number of forecast records (all zeros), with no model and no state store. The throughput ratio
 * of the two is the cost of the model and its state.
 */
public final class PassThroughProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    private final int horizons;
    private final float[] levels;
    private final float[] zeros;
    private final OperatorCounters counters;
    private final Forecast.JsonWriter json = new Forecast.JsonWriter();
    private ProcessorContext<byte[], byte[]> context;

    public PassThroughProcessor(int horizons, float[] levels, OperatorCounters counters) {
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
