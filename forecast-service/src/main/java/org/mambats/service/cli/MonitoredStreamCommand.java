package org.mambats.service.cli;

import io.javalin.Javalin;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.mambats.ingest.cli.StreamCommand;
import org.mambats.ingest.stream.ForecastStreamApp;
import org.mambats.service.metrics.ServiceMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./mamba-ts stream}: the stream command of the ingest module, plus an optional HTTP endpoint for whoever
 * runs it in production: /metrics in Prometheus' format (the operator's counters and step latency, as in
 * {@code serve}, and Kafka Streams' own metrics: process and commit rates and latencies, consumer lag, ...) and
 * /health (200 while the application is running or rebalancing, 503 otherwise), for probes and scrapers.
 */
@Command(name = "stream") // the description and the help options come from StreamCommand's annotation
public final class MonitoredStreamCommand extends StreamCommand {
    @Option(names = "--metrics-port", defaultValue = "0",
            description = "Serve /metrics (Prometheus) and /health on this port; 0 for none (default ${DEFAULT-VALUE}).")
    int metricsPort;
    @Option(names = "--metrics-host", defaultValue = "127.0.0.1",
            description = "Address of the metrics endpoint; 0.0.0.0 for every interface (default ${DEFAULT-VALUE}).")
    String metricsHost;

    @Override
    protected AutoCloseable started(ForecastStreamApp app) {
        return metricsPort == 0 ? () -> { } : serveMetrics(app, metricsHost, metricsPort);
    }

    /** Starts the endpoint; closing what it returns stops it. */
    public static Endpoint serveMetrics(ForecastStreamApp app, String host, int port) {
        ServiceMetrics metrics = new ServiceMetrics().bindOperator(app.counters());
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(app.streams());
        streamsMetrics.bindTo(metrics.registry());
        Javalin http = Javalin.create(config -> config.showJavalinBanner = false);
        http.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
        http.get("/health", ctx -> {
            KafkaStreams.State state = app.streams().state();
            boolean up = state.isRunningOrRebalancing();
            ctx.status(up ? 200 : 503).json(Map.of("status", up ? "up" : "down", "state", state.name()));
        });
        try {
            http.start(host, port);
        } catch (RuntimeException e) {
            streamsMetrics.close();
            throw e;
        }
        System.err.printf(Locale.ROOT, "stream: metrics at http://%s:%d/metrics, health at /health%n",
                host.equals("0.0.0.0") ? "127.0.0.1" : host, http.port());
        return new Endpoint(http, streamsMetrics);
    }

    /** The running endpoint. */
    public static final class Endpoint implements AutoCloseable {
        private final Javalin http;
        private final KafkaStreamsMetrics streamsMetrics;

        Endpoint(Javalin http, KafkaStreamsMetrics streamsMetrics) {
            this.http = http;
            this.streamsMetrics = streamsMetrics;
        }

        public int port() {
            return http.port();
        }

        @Override
        public void close() {
            http.stop();
            streamsMetrics.close();
        }
    }
}
