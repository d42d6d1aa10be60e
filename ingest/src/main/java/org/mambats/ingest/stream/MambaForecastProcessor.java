package org.mambats.ingest.stream;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.mambats.model.forecast.Forecast;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.forecast.ForecastStepper;
import org.mambats.model.forecast.SymbolState;
import org.mambats.model.tick.Tick;
import org.mambats.model.tick.TickJson;
import org.mambats.model.tick.TickValidator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stateful Mamba operator. For each tick record (key: symbol, value: tick JSON) it runs
 * {@link ForecastStepper#process} (validate, features, step, head) on the symbol's state and emits one forecast
 * per horizon. Malformed or invalid ticks go to the dead-letter topic with the reason and the original bytes;
 * duplicates are dropped and counted. Nothing invalid ever reaches the model state.
 *
 * <p><b>State and its changelog.</b> Each task holds the states of its symbols decoded in memory (19,612 bytes a
 * symbol for a 2-layer D=64 model) and writes them to its changelogged store as snapshots: every
 * {@link StateSnapshots#intervalMs()} (10 s by default), the states of the symbols that ticked since the last
 * snapshot, each stored after the offset of the last input record the snapshot includes. The snapshot's puts are
 * committed in the same exactly-once transaction as forecasts and input offsets. When a task starts (after a
 * crash, on another instance after a rebalance, or on a fresh instance), Kafka Streams first restores the store
 * from the changelog; the operator then reads the input partition from the newest snapshot's offset up to the
 * application's committed position and steps those ticks again, emitting nothing ({@link InputReplay}). The step
 * is deterministic, so the states come out bit for bit as they were at the commit, and the forecasts that follow
 * are those of an uninterrupted run. A task that moves or restarts replays at most one interval of ticks.
 *
 * <p><b>A new model.</b> A state means something only to the weights that produced it, so each stored state
 * carries its model's version ({@link StoredSymbolState}). When a task starts with another checkpoint than the
 * one that wrote its store (a retrained model deployed by restarting the stream), it does not carry on from the
 * old hidden states: it builds every state anew by stepping the last {@link StateSnapshots#rebuildTicks()} ticks
 * of its partition before the committed position, emitting nothing, and logs a warning saying so. The states are
 * then those of the new model run over that stretch of history (exactly so if the stretch reaches the start of the
 * partition), the next snapshot replaces the old model's states and deletes those of symbols the stretch did not
 * include, and the forecasts from there on carry the new model's version.
 *
 * <p>Why not write the state after every tick and let the record cache keep one per symbol per commit (interval
 * 0, still available): that is cheap for a few busy symbols, but with many symbols that each tick a few times a
 * second most commits find most of them changed (measured: 1,000 symbols at 5,000 ticks/s wrote 7-10 KB of
 * changelog per tick, against 315 bytes with snapshots). Snapshots bound the changelog at one state per changed
 * symbol per interval, whatever the tick rate.
 *
 * <p>Under at-least-once the store can run ahead of the committed offsets (the cache may flush early); the
 * replay then has nothing to do, and the ticks that are read again are dropped as duplicates by their sequence
 * numbers (ticks without one only if they are among the last few a symbol saw: exactly-once is the default for
 * this reason). Memory for states is about 19.6 KB times the symbols of the instance's tasks.
 */
public final class MambaForecastProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    public static final String FORECAST_SINK = "forecasts-sink";
    public static final String DLQ_SINK = "dead-letter-sink";
    public static final String HEADER_REASON = "dlq.reason";
    private static final Logger LOG = LoggerFactory.getLogger(MambaForecastProcessor.class);

    /** What applying one input record did. */
    private enum Outcome { INVALID, DUPLICATE, REJECTED, ACCEPTED }

    private final ForecastModel model;
    private final OperatorCounters counters;
    private final String inputTopic;
    private final StateSnapshots snapshots;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, byte[]> store;
    private ForecastStepper stepper;
    /** This task's symbols and their states. */
    private final Map<String, SymbolState> states = new HashMap<>();
    /** Symbols whose state changed since it was last written to the store. */
    private final Set<String> changed = new HashSet<>();
    /** Symbols whose stored state is an old model's and was not rebuilt: deleted at the next snapshot. */
    private final Set<String> stale = new HashSet<>();
    /** Offset of the last input record this task applied (processed or replayed); -1 before any. */
    private long lastOffset = -1;
    /** A new symbol's state: a copy of {@link #fresh}, kept only if the symbol's first tick is accepted. */
    private SymbolState spare;
    private SymbolState fresh;
    // What the last apply() found: the tick, the reason it was refused, the model's time on it.
    private Tick tick;
    private String problem;
    private long stepNanos;
    private final Forecast.JsonWriter json = new Forecast.JsonWriter();
    private float[] levels;

    public MambaForecastProcessor(ForecastModel model, OperatorCounters counters, String inputTopic, StateSnapshots snapshots) {
        this.model = model;
        this.counters = counters;
        this.inputTopic = inputTopic;
        this.snapshots = snapshots;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(StreamTopics.STATE_STORE);
        this.stepper = model.newStepper();
        this.levels = model.quantiles();
        this.fresh = model.newState();
        this.spare = model.newState();
        restoreStates();
        if (!snapshots.everyTickMode()) {
            context.schedule(Duration.ofMillis(snapshots.intervalMs()), PunctuationType.WALL_CLOCK_TIME, now -> snapshot());
        }
    }

    /**
     * Loads the stored snapshots, then steps the ticks committed since the newest of them; or, if the store holds
     * another model's states, builds every state anew from the partition's latest ticks (see the class comment).
     */
    private void restoreStates() {
        states.clear(); // a task revived after an error is initialised again
        changed.clear();
        stale.clear();
        long newest = -1;
        String foreign = null;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                SymbolState s = StoredSymbolState.stateOf(model, kv.value);
                stale.add(kv.key);
                if (s == null) {
                    String v = StoredSymbolState.modelVersion(kv.value);
                    foreign = v == null ? "a format from before model versions were stored" : "model version " + v;
                } else {
                    states.put(kv.key, s);
                    newest = Math.max(newest, StoredSymbolState.offset(kv.value));
                }
            }
        }
        TopicPartition partition = new TopicPartition(inputTopic, context.taskId().partition());
        long atMost = Long.MAX_VALUE;
        if (foreign != null) {
            LOG.warn("{}: the state store holds states of {}, and this is {} version {}: they mean nothing to this model, so the task "
                    + "builds the states of its {} symbol(s) anew from the partition's latest {} ticks (--rebuild-ticks), emitting nothing",
                    partition, foreign, model.name(), model.version(), stale.size(), snapshots.rebuildTicks());
            states.clear();
            newest = -1;
            atMost = snapshots.rebuildTicks();
        } else {
            stale.clear();
        }
        lastOffset = newest;
        int fromStore = states.size();
        long start = System.nanoTime();
        long replayed = snapshots.replay().apply(context).replay(partition, newest, atMost, r -> {
            Outcome o = apply(r.key(), r.value());
            if (o == Outcome.ACCEPTED || o == Outcome.REJECTED && states.containsKey(tick.symbol())) {
                changed.add(tick.symbol()); // a rejected price may be a candidate new level: the validator remembers it
            }
            lastOffset = r.offset();
        });
        long nanos = System.nanoTime() - start;
        // The old model's states go at the next snapshot: those of symbols in the rebuild are overwritten, the rest deleted.
        stale.removeAll(states.keySet());
        counters.replayed.add(replayed);
        counters.replayNanos.add(nanos);
        if (fromStore > 0 || replayed > 0 || foreign != null) {
            LOG.info("{}: {} symbol states from the store (up to offset {}), {} ticks replayed up to offset {} in {} ms", partition,
                    fromStore, newest, replayed, lastOffset, nanos / 1_000_000);
        }
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        counters.ticksIn.increment();
        long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(lastOffset + 1);
        Outcome outcome = apply(record.key(), record.value());
        lastOffset = offset;
        switch (outcome) {
            case INVALID -> deadLetter(record, problem);
            case REJECTED -> {
                deadLetter(record, problem);
                if (states.containsKey(tick.symbol())) {
                    changed.add(tick.symbol()); // the validator may remember the price as a candidate new level
                }
            }
            case DUPLICATE -> counters.duplicates.increment();
            case ACCEPTED -> {
                counters.step(stepNanos);
                counters.accepted.increment();
                counters.lastEventTime.set(tick.timeMillis());
                changed.add(tick.symbol());
                if (snapshots.everyTickMode()) {
                    snapshot();
                }
                emit(record, tick);
            }
        }
    }

    /** Validates one tick record and, if it is accepted, steps its symbol's state; sets {@link #tick}, {@link #problem}. */
    private Outcome apply(byte[] keyBytes, byte[] value) {
        TickJson.Parsed parsed = TickJson.parse(value);
        tick = parsed.tick();
        if (tick == null) {
            problem = "unparseable tick: " + parsed.error();
            return Outcome.INVALID;
        }
        String key = keyBytes == null ? null : new String(keyBytes, StandardCharsets.UTF_8);
        if (tick.symbol() != null && key != null && !key.equals(tick.symbol())) {
            problem = "record key '" + key + "' does not match the tick's symbol '" + tick.symbol() + "'";
            return Outcome.INVALID;
        }
        // Checked before touching state, so a bad tick for a new symbol does not even create one.
        problem = TickValidator.fieldProblem(tick);
        if (problem != null) {
            return Outcome.INVALID;
        }
        SymbolState state = states.get(tick.symbol());
        boolean isNew = state == null;
        if (isNew) {
            state = spare;
            state.copyFrom(fresh);
        }
        long start = System.nanoTime();
        TickValidator.Verdict verdict = stepper.process(tick, state);
        stepNanos = System.nanoTime() - start;
        switch (verdict.outcome()) {
            case DUPLICATE:
                return Outcome.DUPLICATE;
            case REJECT:
                problem = verdict.reason();
                return Outcome.REJECTED;
            default:
                if (isNew) {
                    states.put(tick.symbol(), state);
                    spare = model.newState();
                }
                return Outcome.ACCEPTED;
        }
    }

    /**
     * Writes the state of every symbol that changed since its last write, each after the offset of the last
     * record applied: all of this task's input up to that offset is then in the store. Deletes what is left of an
     * old model's states after a rebuild. A new array for each put, since the record cache and the in-memory store
     * keep the array they are given.
     */
    private void snapshot() {
        for (String symbol : changed) {
            store.put(symbol, StoredSymbolState.encode(model.version(), lastOffset, states.get(symbol)));
        }
        changed.clear();
        for (String symbol : stale) {
            store.delete(symbol);
        }
        stale.clear();
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
