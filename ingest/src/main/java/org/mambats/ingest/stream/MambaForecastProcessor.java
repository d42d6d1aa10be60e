package org.mambats.ingest.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.mambats.model.forecast.Forecast;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.forecast.ForecastStepper;
import org.mambats.model.forecast.SymbolState;
import org.mambats.model.tick.Tick;
import org.mambats.model.tick.TickJson;
import org.mambats.model.tick.TickValidator;

/**
 * The stateful Mamba operator. For each tick record (key: symbol, value: tick JSON) it loads the symbol's state,
 * runs {@link ForecastStepper#process} (validate, features, step, head), stores the new state and emits one
 * forecast per horizon. Malformed or invalid ticks go to the dead-letter topic with the reason and the original
 * bytes; duplicates are dropped and counted. Nothing invalid ever reaches the model state.
 *
 * <p><b>State and its changelog.</b> The state store is written on every accepted tick, but through Kafka
 * Streams' record cache, which keeps only the latest value per symbol and flushes it to the store and changelog
 * at each commit. So the changelog receives one state per active symbol per commit interval, not one per tick,
 * and it is written in the same transaction as the forecasts and input offsets (exactly once).
 *
 * <p><b>No 19 KB allocation per tick.</b> The record cache holds each active symbol's encoded state as a byte
 * array, and {@code get} hands back that very array. The operator decodes it into one scratch
 * {@link SymbolState}, steps, encodes the new state back into the same array and puts it again, which marks the
 * entry dirty. This is safe because everything downstream of the cache copies the bytes at flush time (RocksDB's
 * put and the changelog producer's send both copy them into their own buffers), and a flush only ever happens
 * between two records, when the array holds the state after the last processed tick. The in-memory store keeps
 * the array itself, so between commits it may hold a state ahead of the committed input offsets. Under
 * exactly-once that never matters, since a failed task's stores are wiped and restored from the changelog; under
 * at-least-once any Kafka Streams store can run ahead the same way (an evicted cache entry is flushed early),
 * and the ticks read again after a failure are dropped as duplicates by their sequence numbers (ticks without
 * one only if they are among the last few a symbol saw: exactly-once is the default for this reason). Memory for
 * states is bounded by the record cache ({@code --cache-mb}) and the store, not by the number of symbols seen.
 */
public final class MambaForecastProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    public static final String FORECAST_SINK = "forecasts-sink";
    public static final String DLQ_SINK = "dead-letter-sink";
    public static final String HEADER_REASON = "dlq.reason";

    private final ForecastModel model;
    private final OperatorCounters counters;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, byte[]> store;
    private ForecastStepper stepper;
    /** The state of the symbol being processed, decoded from its stored bytes at each tick. */
    private SymbolState scratch;
    /** A new symbol's state, copied into {@link #scratch} for a symbol the store does not know. */
    private SymbolState fresh;
    private final Forecast.JsonWriter json = new Forecast.JsonWriter();
    private float[] levels;

    public MambaForecastProcessor(ForecastModel model, OperatorCounters counters) {
        this.model = model;
        this.counters = counters;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(StreamTopics.STATE_STORE);
        this.stepper = model.newStepper();
        this.levels = model.quantiles();
        this.scratch = model.newState();
        this.fresh = model.newState();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        counters.ticksIn.increment();
        TickJson.Parsed parsed = TickJson.parse(record.value());
        if (parsed.tick() == null) {
            deadLetter(record, "unparseable tick: " + parsed.error());
            return;
        }
        Tick tick = parsed.tick();
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (tick.symbol() != null && key != null && !key.equals(tick.symbol())) {
            deadLetter(record, "record key '" + key + "' does not match the tick's symbol '" + tick.symbol() + "'");
            return;
        }
        String problem = TickValidator.fieldProblem(tick);
        if (problem != null) {
            // Checked before touching state, so a bad tick for a new symbol does not even create one.
            deadLetter(record, problem);
            return;
        }
        byte[] stored = store.get(tick.symbol());
        SymbolState state = scratch;
        if (stored == null) {
            state.copyFrom(fresh);
        } else {
            state.readFrom(ByteBuffer.wrap(stored));
        }
        long start = System.nanoTime();
        TickValidator.Verdict verdict = stepper.process(tick, state);
        switch (verdict.outcome()) {
            case DUPLICATE -> counters.duplicates.increment();
            case REJECT -> deadLetter(record, verdict.reason());
            case ACCEPT -> {
                counters.step(System.nanoTime() - start);
                counters.accepted.increment();
                counters.lastEventTime.set(tick.timeMillis());
                byte[] encoded = stored != null && stored.length == state.serializedSize() ? stored : new byte[state.serializedSize()];
                state.writeTo(ByteBuffer.wrap(encoded));
                store.put(tick.symbol(), encoded);
                emit(record, tick);
            }
        }
    }

    private void emit(Record<byte[], byte[]> input, Tick tick) {
        float[] q = stepper.quantiles();
        int nQ = levels.length;
        byte[] key = tick.symbol().getBytes(StandardCharsets.UTF_8);
        for (int h = 0; h < model.horizons().size(); h++) {
            Forecast f = new Forecast(tick.symbol(), tick.timeMillis(), tick.price(), tick.seq(), model.horizons().get(h).label(),
                    levels, Arrays.copyOfRange(q, h * nQ, (h + 1) * nQ), model.name(), model.version());
            context.forward(new Record<>(key, json.write(f), input.timestamp(), new RecordHeaders()), FORECAST_SINK);
            counters.forecasts.increment();
        }
    }

    private void deadLetter(Record<byte[], byte[]> record, String reason) {
        counters.deadLetters.increment();
        RecordHeaders headers = new RecordHeaders();
        headers.add(HEADER_REASON, reason.getBytes(StandardCharsets.UTF_8));
        context.recordMetadata().ifPresent((RecordMetadata m) -> {
            headers.add("dlq.topic", m.topic().getBytes(StandardCharsets.UTF_8));
            headers.add("dlq.partition", Integer.toString(m.partition()).getBytes(StandardCharsets.UTF_8));
            headers.add("dlq.offset", Long.toString(m.offset()).getBytes(StandardCharsets.UTF_8));
        });
        context.forward(new Record<>(record.key(), record.value(), record.timestamp(), headers), DLQ_SINK);
    }

}
