package org.mambats.service;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mambats.ingest.stream.StreamTopics;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.forecast.TrainingProvenance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.mambats.ingest.db.Database;
import org.mambats.ingest.kafka.KafkaConnection;
import org.mambats.service.api.ApiAccess;
import org.mambats.service.api.ForecastApi;
import org.mambats.service.live.LiveForecastFeed;
import org.mambats.service.metrics.KafkaProgressProbe;
import org.mambats.service.metrics.ServiceMetrics;

/**
 * The running service: HTTP API and dashboard over the database, live updates from the forecasts topic, metrics and
 * the Kafka probe. Used by {@code ./mamba-ts serve}, by the demo and by the tests, so all three run the same thing.
 */
public final class ForecastService implements AutoCloseable {

    /**
     * Where to listen, what to watch and who may read. kafka null runs without Kafka (no live updates, no lag).
     * Beyond loopback {@code access} must require a token, unless {@code openBeyondLoopback} says otherwise.
     */
    public record Settings(String host, int port, KafkaConnection kafka, String forecastsTopic, String ticksTopic, String deadLetterTopic,
                           String streamApplicationId, String sinkGroup, ApiAccess access, boolean openBeyondLoopback, int maxLiveClients) {
        public Settings(String host, int port, KafkaConnection kafka, String forecastsTopic, String ticksTopic, String deadLetterTopic,
                        String streamApplicationId, String sinkGroup) {
            this(host, port, kafka, forecastsTopic, ticksTopic, deadLetterTopic, streamApplicationId, sinkGroup, ApiAccess.open(), false,
                    ForecastApi.DEFAULT_MAX_LIVE_CLIENTS);
        }

        /** On 127.0.0.1, with the default topics and groups, and Kafka at {@code bootstrap} (null: no Kafka). */
        public static Settings local(int port, String bootstrap) {
            return new Settings("127.0.0.1", port, bootstrap == null ? null : KafkaConnection.to(bootstrap), StreamTopics.DEFAULT_FORECASTS,
                    StreamTopics.DEFAULT_TICKS, StreamTopics.DEFAULT_DEAD_LETTERS, StreamTopics.DEFAULT_APPLICATION_ID, StreamTopics.DEFAULT_SINK_GROUP);
        }

        public Settings withGroups(String streamApplicationId, String sinkGroup) {
            return new Settings(host, port, kafka, forecastsTopic, ticksTopic, deadLetterTopic, streamApplicationId, sinkGroup, access,
                    openBeyondLoopback, maxLiveClients);
        }

        public Settings withAccess(ApiAccess access, boolean openBeyondLoopback) {
            return new Settings(host, port, kafka, forecastsTopic, ticksTopic, deadLetterTopic, streamApplicationId, sinkGroup, access,
                    openBeyondLoopback, maxLiveClients);
        }

        public Settings withMaxLiveClients(int maxLiveClients) {
            return new Settings(host, port, kafka, forecastsTopic, ticksTopic, deadLetterTopic, streamApplicationId, sinkGroup, access,
                    openBeyondLoopback, maxLiveClients);
        }

        /** Refuses an open service on an address others can reach, unless that was asked for. */
        void checkAccess() {
            if (!access.required() && !openBeyondLoopback && !ApiAccess.loopbackOnly(host)) {
                throw new IllegalArgumentException("refusing to serve " + host + " without authentication: anyone who reaches the port "
                        + "would read every forecast. Give a token (--api-token-file FILE, or MAMBA_TS_API_TOKEN), listen on "
                        + "127.0.0.1, or pass --insecure-no-auth to serve it open anyway");
            }
        }
    }

    private final LiveForecastFeed feed;
    private final KafkaProgressProbe probe;
    private final ForecastApi api;

    private ForecastService(LiveForecastFeed feed, KafkaProgressProbe probe, ForecastApi api) {
        this.feed = feed;
        this.probe = probe;
        this.api = api;
    }

    /** Starts everything; {@code metrics} may already have in-process components bound. */
    public static ForecastService start(Database db, Settings s, ServiceMetrics metrics) {
        s.checkAccess();
        LiveForecastFeed feed = null;
        KafkaProgressProbe probe = null;
        if (s.kafka() != null) {
            feed = new LiveForecastFeed(s.kafka(), s.forecastsTopic()).start();
            metrics.bindLiveFeed(feed);
            List<KafkaProgressProbe.Watched> groups = new ArrayList<>();
            if (s.streamApplicationId() != null) {
                groups.add(new KafkaProgressProbe.Watched(s.streamApplicationId(), s.ticksTopic()));
            }
            if (s.sinkGroup() != null) {
                groups.add(new KafkaProgressProbe.Watched(s.sinkGroup(), s.forecastsTopic()));
            }
            probe = new KafkaProgressProbe(s.kafka(), metrics, groups, s.deadLetterTopic()).start(Duration.ofSeconds(5));
        }
        ForecastApi api = new ForecastApi(db.dataSource(), db.timescale(), feed, metrics, probe).access(s.access())
                .maxLiveClients(s.maxLiveClients());
        try {
            api.start(s.host(), s.port());
        } catch (RuntimeException e) {
            if (feed != null) {
                feed.close();
            }
            if (probe != null) {
                probe.close();
            }
            throw new IllegalArgumentException("cannot serve on " + s.host() + ":" + s.port() + ": " + e.getMessage(), e);
        }
        return new ForecastService(feed, probe, api);
    }

    public int port() {
        return api.port();
    }

    /** How long JSON answers are shared with identical requests (zero: not at all); see {@code ResponseCache}. */
    public ForecastService answerTtl(Duration ttl) {
        api.answerTtl(ttl);
        return this;
    }

    /** Live (server-sent event) clients connected now. */
    public int liveClients() {
        return api.liveClientCount();
    }

    /** HTTP connections open now. */
    public int openConnections() {
        return api.openConnections();
    }

    /**
     * Shows {@code model}'s training verdict (from its checkpoint's provenance: does it beat the EWMA-volatility
     * baseline on validation, or is it that baseline) next to its version in /api/models and the dashboard.
     */
    public ForecastService describe(ForecastModel model) {
        TrainingProvenance p = model.provenance();
        return describe(model.version(), p.verdictInWords(), p.hasRange() ? p.dataFrom().toString() : null,
                p.hasRange() ? p.dataTo().toString() : null);
    }

    /** The same for a version known only by what its checkpoint said; the training range may be null. */
    public ForecastService describe(String version, String verdict, String trainedFrom, String trainedTo) {
        ObjectNode card = JsonNodeFactory.instance.objectNode().put("verdict", verdict);
        if (trainedFrom != null && trainedTo != null) {
            card.put("trained_from", trainedFrom).put("trained_to", trainedTo);
        }
        api.describeModel(version, card);
        return this;
    }

    @Override
    public void close() {
        api.close();
        if (feed != null) {
            feed.close();
        }
        if (probe != null) {
            probe.close();
        }
    }
}
