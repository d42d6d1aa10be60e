package org.mambats.service.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.mambats.ingest.sink.ForecastSink;
import org.mambats.ingest.stream.OperatorCounters;
import org.mambats.service.live.LiveForecastFeed;

/**
 * The Prometheus metrics the service exposes at /metrics. Counters of components running in this JVM (the stream
 * operator and the sink in the demo) are bound directly; figures of components elsewhere come from Kafka and the
 * database through {@link KafkaProgressProbe}: consumer lag per group, dead letters on the topic.
 */
public final class ServiceMetrics {
    public static final String PREFIX = "mamba_ts_";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Long> probed = new ConcurrentHashMap<>();

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The operator's counters and step latency, when the stream runs in this JVM. */
    public ServiceMetrics bindOperator(OperatorCounters c) {
        FunctionCounter.builder(PREFIX + "ticks_processed", c, x -> x.ticksIn.sum())
                .description("ticks read by the Mamba operator (valid, duplicate or dead-lettered)").register(registry);
        FunctionCounter.builder(PREFIX + "ticks_accepted", c, x -> x.accepted.sum())
                .description("ticks that reached the model").register(registry);
        FunctionCounter.builder(PREFIX + "forecasts_produced", c, x -> x.forecasts.sum())
                .description("forecast records sent to the forecasts topic").register(registry);
        FunctionCounter.builder(PREFIX + "dead_letters", c, x -> x.deadLetters.sum())
                .description("invalid ticks sent to the dead-letter topic").register(registry);
        FunctionCounter.builder(PREFIX + "duplicates", c, x -> x.duplicates.sum())
                .description("duplicate ticks dropped").register(registry);
        FunctionCounter.builder(PREFIX + "ticks_replayed", c, x -> x.replayed.sum())
                .description("ticks stepped again by starting tasks, from their last state snapshot to the committed position").register(registry);
        Timer step = Timer.builder(PREFIX + "step").description("time in the model per accepted tick (features, step, head)")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(1_000)).maximumExpectedValue(Duration.ofMillis(100))
                .register(registry);
        c.observeSteps(nanos -> step.record(nanos, TimeUnit.NANOSECONDS));
        return this;
    }

    /** The sink's rows, when it runs in this JVM. */
    public ServiceMetrics bindSink(ForecastSink sink) {
        FunctionCounter.builder(PREFIX + "forecasts_written", sink, ForecastSink::written)
                .description("records written to the database by the sink").register(registry);
        FunctionCounter.builder(PREFIX + "sink_malformed", sink, ForecastSink::malformed)
                .description("records the sink could not parse and skipped").register(registry);
        FunctionCounter.builder(PREFIX + "sink_retries", sink, ForecastSink::retries)
                .description("database retries of the sink").register(registry);
        return this;
    }

    public ServiceMetrics bindLiveFeed(LiveForecastFeed feed) {
        FunctionCounter.builder(PREFIX + "live_forecasts_received", feed, LiveForecastFeed::received)
                .description("forecasts the service read from the forecasts topic for live updates").register(registry);
        return this;
    }

    /** The live stream's connected clients, and how many were disconnected for falling too far behind. */
    public ServiceMetrics bindLiveClients(IntSupplier connected, LongSupplier laggedOut) {
        Gauge.builder(PREFIX + "live_clients", connected, s -> s.getAsInt()).description("clients following /api/stream").register(registry);
        FunctionCounter.builder(PREFIX + "live_clients_lagged_out", laggedOut, s -> s.getAsLong())
                .description("live clients disconnected because they fell too far behind (their browsers reconnect)").register(registry);
        return this;
    }

    /** Records a figure measured by a probe, e.g. the lag of a consumer group, as a gauge with tags. */
    public void probed(String name, Tags tags, long value, String description) {
        String key = name + tags;
        if (probed.put(key, value) == null) {
            Gauge.builder(PREFIX + name, probed, m -> m.getOrDefault(key, 0L)).tags(tags).description(description).register(registry);
        }
    }

    public String scrape() {
        return registry.scrape();
    }
}
