package org.mambats.service.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.staticfiles.Location;
import io.javalin.http.sse.SseClient;
import io.javalin.json.JavalinJackson;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.mambats.service.live.LiveForecastFeed;
import org.mambats.service.metrics.KafkaProgressProbe;
import org.mambats.service.metrics.ServiceMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the platform: the JSON API of {@link ApiCatalog}, server-sent events of new forecasts, health,
 * Prometheus metrics, the OpenAPI description and the analyst dashboard (static files from the jar).
 * Every request's parameters are checked by {@link RequestParams}; refusals are JSON 4xx, and an unexpected failure
 * is a JSON 500 whose details stay in the log.
 */
public final class ForecastApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ForecastApi.class);
    private static final Duration SYMBOL_CACHE = Duration.ofSeconds(2);
    /** PostgreSQL's SQL state for a statement cancelled (here: by the query timeout). */
    private static final String QUERY_CANCELED = "57014";

    private final ObjectMapper json = new ObjectMapper();
    private final DataSource ds;
    private final MarketQueries queries;
    private final LiveForecastFeed feed;
    private final ServiceMetrics metrics;
    private final KafkaProgressProbe kafka;
    private final String version;
    /** Events a live client may fall behind before it is disconnected (its browser reconnects and reloads). */
    static final int LIVE_CLIENT_BACKLOG = 2_000;
    /**
     * Events kept for clients that reconnect with Last-Event-ID (about 8 MB of forecasts): a reconnect takes a few
     * seconds, in which one symbol ticking 100 times a second publishes 300 forecasts.
     */
    static final int LIVE_REPLAY_EVENTS = 20_000;
    private final LiveClients liveClients = new LiveClients(LIVE_CLIENT_BACKLOG, LIVE_REPLAY_EVENTS);
    private final Set<String> liveSymbols = ConcurrentHashMap.newKeySet();
    private final Consumer<LiveForecastFeed.Update> fanOut = this::fanOut;
    private volatile List<String> symbols = List.of();
    /** What the service was told of model versions beyond their forecasts: their training verdict, by version. */
    private final Map<String, ObjectNode> modelCards = new ConcurrentHashMap<>();
    private volatile long symbolsAt;
    private Javalin app;

    /**
     * @param feed    live forecasts for /api/stream, or null (then the stream endpoint answers 503)
     * @param kafka   the Kafka probe for health and lag, or null when the service runs without Kafka
     */
    public ForecastApi(DataSource ds, boolean timescale, LiveForecastFeed feed, ServiceMetrics metrics, KafkaProgressProbe kafka) {
        this.ds = ds;
        this.queries = new MarketQueries(ds, timescale, json);
        this.feed = feed;
        this.metrics = metrics;
        this.kafka = kafka;
        if (metrics != null) {
            metrics.bindLiveClients(liveClients::size, liveClients::laggedOut);
        }
        String v = ForecastApi.class.getPackage().getImplementationVersion();
        this.version = v == null ? "development" : v;
    }

    /**
     * Adds what is known of a model version to its rows in /api/models (and so to the dashboard's model line):
     * {@code card}'s fields, such as its training verdict, are copied into every row of that version.
     */
    public ForecastApi describeModel(String version, ObjectNode card) {
        modelCards.put(version, card.deepCopy());
        return this;
    }

    /** How long one query may run before the database cancels it (default {@link ApiCatalog#QUERY_TIMEOUT}). */
    public ForecastApi queryTimeout(Duration timeout) {
        queries.timeout(timeout);
        return this;
    }

    /** Starts listening on host:port (port 0 picks a free one). */
    public ForecastApi start(String host, int port) {
        app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.jsonMapper(new JavalinJackson(json, false));
            config.staticFiles.add(sf -> {
                sf.hostedPath = "/";
                sf.directory = "/dashboard";
                sf.location = Location.CLASSPATH;
            });
            config.http.prefer405over404 = false;
        });
        app.get(ApiCatalog.SYMBOLS.path(), this::symbols);
        app.get(ApiCatalog.LATEST.path(), this::latest);
        app.get(ApiCatalog.MODELS.path(), this::models);
        app.get(ApiCatalog.FORECASTS.path(), this::forecasts);
        app.get(ApiCatalog.TICKS.path(), this::ticks);
        app.get(ApiCatalog.ERRORS.path(), this::errors);
        app.get(ApiCatalog.BACKTESTS.path(), this::backtests);
        app.get(ApiCatalog.BACKTEST.path(), this::backtest);
        app.get(ApiCatalog.HEALTH.path(), this::health);
        app.get(ApiCatalog.METRICS.path(), ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
        ObjectNode openApi = OpenApiDocument.build(json, ApiCatalog.ALL, version);
        app.get(ApiCatalog.OPENAPI.path(), ctx -> ctx.json(openApi));
        // Parameters are checked before the event stream opens, so a bad request still gets a JSON 4xx.
        app.before(ApiCatalog.STREAM.path(), this::checkStream);
        app.sse(ApiCatalog.STREAM.path(), this::openStream);

        app.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.error(), e.getMessage()));
        app.exception(SQLException.class, (e, ctx) -> {
            if (QUERY_CANCELED.equals(e.getSQLState())) {
                LOG.warn("query on {} cancelled after {} s: {}", ctx.path(), queries.timeout().toSeconds(), RequestParams.printable(
                        String.valueOf(ctx.queryString())));
                error(ctx, 503, "query_timeout", "the query took longer than " + queries.timeout().toSeconds()
                        + " s and was cancelled; ask for a shorter range (or a wider bucket)");
                return;
            }
            LOG.warn("database error on {}: {}", ctx.path(), e.getMessage());
            error(ctx, 503, "database_unavailable", "the database could not answer; try again");
        });
        app.exception(Exception.class, (e, ctx) -> {
            LOG.error("failure on {} {}", ctx.method(), ctx.path(), e);
            error(ctx, 500, "internal_error", "unexpected failure; see the service log");
        });
        app.error(HttpStatus.NOT_FOUND, ctx -> {
            if (ctx.result() == null || !isJson(ctx)) {
                error(ctx, 404, "not_found", "no such endpoint: " + RequestParams.printable(ctx.path()) + " (see /openapi.json)");
            }
        });
        app.error(HttpStatus.METHOD_NOT_ALLOWED, ctx -> error(ctx, 405, "method_not_allowed", "only GET is served"));
        if (feed != null) {
            feed.addListener(fanOut);
        }
        app.start(host, port);
        return this;
    }

    public int port() {
        return app.port();
    }

    private static boolean isJson(Context ctx) {
        String ct = ctx.res().getContentType();
        return ct != null && ct.startsWith("application/json");
    }

    private void error(Context ctx, int status, String error, String message) {
        ctx.status(status).json(json.createObjectNode().put("status", status).put("error", error).put("message", message));
    }

    // ---- endpoints ----

    private void symbols(Context ctx) throws SQLException {
        RequestParams.of(ApiCatalog.SYMBOLS, ctx);
        ArrayNode out = json.createArrayNode();
        for (String s : knownSymbols(true)) {
            out.add(queries.symbolSummary(s));
        }
        ctx.json(out);
    }

    private void latest(Context ctx) throws SQLException {
        RequestParams p = RequestParams.of(ApiCatalog.LATEST, ctx);
        ArrayNode out = json.createArrayNode();
        List<String> which = p.has("symbol") ? List.of(requireSymbol(p.text("symbol"))) : knownSymbols(false);
        for (String s : which) {
            out.addAll(queries.latestForecasts(s));
        }
        ctx.json(out);
    }

    private void models(Context ctx) throws SQLException {
        RequestParams p = RequestParams.of(ApiCatalog.MODELS, ctx);
        ArrayNode versions = queries.modelVersions(requireSymbol(p.text("symbol")));
        for (JsonNode row : versions) {
            ObjectNode card = modelCards.get(row.path("model_version").asText());
            if (card != null) {
                ((ObjectNode) row).setAll(card);
            }
        }
        ctx.json(versions);
    }

    private void forecasts(Context ctx) throws SQLException {
        RequestParams p = RequestParams.of(ApiCatalog.FORECASTS, ctx);
        String symbol = requireSymbol(p.text("symbol"));
        Duration bucket = p.bucket("bucket");
        RequestParams.TimeRange r = startOnABucket(range(p, symbol, bucket), bucket);
        String version = p.has("model_version") ? p.text("model_version") : queries.latestModelVersion(symbol);
        MarketQueries.Rows rows = queries.forecasts(symbol, r, p.text("horizon"), bucket, version, ApiCatalog.MAX_ROWS);
        if (rows.items.isEmpty()) {
            refuseUnknown(symbol, version, p.has("model_version"), p.text("horizon"));
        }
        ObjectNode out = envelope(symbol, r);
        out.put("model_version", version).put("horizon", p.text("horizon")).put("bucket", p.text("bucket"))
                .put("truncated", rows.truncated).put("next_from", rows.nextFrom).put("next", nextPage(ctx, rows.nextFrom, r, version))
                .set("forecasts", rows.items);
        ctx.json(out);
    }

    private void ticks(Context ctx) throws SQLException {
        RequestParams p = RequestParams.of(ApiCatalog.TICKS, ctx);
        String symbol = requireSymbol(p.text("symbol"));
        Duration bucket = p.bucket("bucket");
        RequestParams.TimeRange r = startOnABucket(range(p, symbol, bucket), bucket);
        ObjectNode out = envelope(symbol, r);
        out.put("bucket", p.text("bucket"));
        if (bucket == null) {
            MarketQueries.Rows rows = queries.ticks(symbol, r, ApiCatalog.MAX_ROWS);
            out.put("truncated", rows.truncated).put("next_from", rows.nextFrom).put("next", nextPage(ctx, rows.nextFrom, r, null))
                    .set("ticks", rows.items);
        } else {
            out.put("truncated", false).set("candles", queries.candles(symbol, r, bucket).items);
        }
        ctx.json(out);
    }

    private void errors(Context ctx) throws SQLException {
        RequestParams p = RequestParams.of(ApiCatalog.ERRORS, ctx);
        String symbol = requireSymbol(p.text("symbol"));
        RequestParams.TimeRange r = p.range(queries.latestTime(symbol), ApiCatalog.DEFAULT_WINDOW, ApiCatalog.MAX_ERROR_RANGE, "");
        String version = p.has("model_version") ? p.text("model_version") : queries.latestModelVersion(symbol);
        ArrayNode horizons = queries.errors(symbol, r, version);
        if (horizons.isEmpty()) {
            refuseUnknown(symbol, version, p.has("model_version"), null);
        }
        ObjectNode out = envelope(symbol, r);
        out.put("model_version", version).set("horizons", horizons);
        ctx.json(out);
    }

    private void backtests(Context ctx) throws SQLException {
        RequestParams p = RequestParams.of(ApiCatalog.BACKTESTS, ctx);
        ctx.json(queries.backtests(p.has("before") ? p.id("before") : Long.MAX_VALUE, ApiCatalog.BACKTESTS_PAGE));
    }

    private void backtest(Context ctx) throws SQLException {
        RequestParams p = RequestParams.of(ApiCatalog.BACKTEST, ctx);
        ObjectNode run = queries.backtest(p.id("id"));
        if (run == null) {
            throw ApiException.notFound("no backtest run with id " + p.id("id"));
        }
        ctx.json(run);
    }

    private void health(Context ctx) {
        RequestParams.of(ApiCatalog.HEALTH, ctx);
        ObjectNode out = json.createObjectNode();
        ObjectNode checks = out.putObject("checks");
        boolean up = true;
        try (Connection c = ds.getConnection()) {
            boolean ok = c.isValid(2);
            checks.putObject("database").put("status", ok ? "UP" : "DOWN");
            up &= ok;
        } catch (SQLException e) {
            checks.putObject("database").put("status", "DOWN").put("error", e.getMessage());
            up = false;
        }
        if (kafka != null) {
            boolean ok = kafka.healthy(Duration.ofSeconds(30));
            ObjectNode k = checks.putObject("kafka").put("status", ok ? "UP" : "DOWN");
            if (!ok && kafka.lastError() != null) {
                k.put("error", kafka.lastError());
            }
            up &= ok;
        }
        if (feed != null) {
            checks.putObject("live_feed").put("status", feed.assigned() ? "UP" : "STARTING").put("topic", feed.topic())
                    .put("received", feed.received()).put("clients", liveClients.size());
        }
        out.put("status", up ? "UP" : "DOWN").put("version", version);
        ctx.status(up ? 200 : 503).json(out);
    }

    // ---- live updates ----

    private void checkStream(Context ctx) throws SQLException {
        RequestParams p = RequestParams.of(ApiCatalog.STREAM, ctx);
        if (feed == null) {
            throw ApiException.unavailable("live updates are off: the service runs without Kafka");
        }
        // Without this header the server would answer an empty 200 (curl, scripts): say what is missing instead.
        String accept = ctx.header("Accept");
        if (accept == null || !accept.contains("text/event-stream")) {
            throw new ApiException(406, "not_acceptable", "/api/stream is a server-sent event stream: send 'Accept: text/event-stream'");
        }
        if (p.has("symbol") && !liveSymbols.contains(p.text("symbol"))) {
            requireSymbol(p.text("symbol"));
        }
    }

    private void openStream(SseClient client) {
        String raw = client.ctx().queryParam("symbol");
        String symbol = raw == null ? null : raw.trim(); // as checkStream validated it
        client.keepAlive();
        liveClients.add(new LiveClients.Connection() {
            @Override
            public String symbol() {
                return symbol;
            }

            @Override
            public void opened(boolean resumed) {
                // A first event, so the client knows the stream is open before any forecast arrives, and whether
                // the forecasts it missed follow (resumed) or must be loaded from the REST endpoints.
                client.sendEvent("ready", json.createObjectNode().put("symbol", symbol).put("topic", feed.topic())
                        .put("resumed", resumed).toString());
            }

            @Override
            public void send(String event, String id, String data) {
                client.sendEvent(event, data, id);
            }

            @Override
            public void comment(String text) {
                client.sendComment(text);
            }

            @Override
            public boolean terminated() {
                return client.terminated();
            }

            @Override
            public void close() {
                client.close();
            }
        }, client.ctx().header("Last-Event-ID"));
    }

    private void fanOut(LiveForecastFeed.Update u) {
        liveSymbols.add(u.forecast().symbol());
        liveClients.publish(u.forecast().symbol(), u.json());
    }

    // ---- helpers ----

    /**
     * Called when an answer came out empty: a 404 naming what exists when the request asked for a model version the
     * symbol never had, or a horizon that version does not forecast (a typo, 1m for 60s, would otherwise look like
     * "no data in this range").
     */
    private void refuseUnknown(String symbol, String version, boolean asked, String horizon) throws SQLException {
        if (asked) {
            List<String> known = new java.util.ArrayList<>();
            queries.modelVersions(symbol).forEach(v -> known.add(v.get("model_version").asText()));
            if (!known.contains(version)) {
                throw ApiException.notFound("no forecasts of model version '" + version + "' for " + symbol + "; its versions: " + known
                        + " (see /api/models)");
            }
        }
        if (horizon != null && version != null) {
            List<String> known = queries.horizons(symbol, version);
            if (!known.isEmpty() && !known.contains(horizon)) {
                throw ApiException.notFound("model version '" + version + "' has no horizon '" + horizon + "' for " + symbol + "; its horizons: "
                        + known);
            }
        }
    }

    private String requireSymbol(String symbol) throws SQLException {
        if (knownSymbols(false).contains(symbol) || knownSymbols(true).contains(symbol)) {
            return symbol;
        }
        throw ApiException.notFound("unknown symbol '" + symbol + "'; see /api/symbols");
    }

    private List<String> knownSymbols(boolean fresh) throws SQLException {
        long now = System.nanoTime();
        if (fresh || now - symbolsAt > SYMBOL_CACHE.toNanos()) {
            symbols = queries.symbols();
            symbolsAt = now;
        }
        return symbols;
    }

    /** The request's range: raw rows up to a day, bucketed ones up to MAX_BUCKETS buckets. */
    private RequestParams.TimeRange range(RequestParams p, String symbol, Duration bucket) throws SQLException {
        Duration max = bucket == null ? ApiCatalog.MAX_RAW_RANGE : bucket.multipliedBy(ApiCatalog.MAX_BUCKETS);
        return p.range(queries.latestTime(symbol), ApiCatalog.DEFAULT_WINDOW, max,
                bucket == null ? "; add bucket= for longer ranges" : "; use a wider bucket");
    }

    /**
     * A bucketed range starts on a bucket boundary (epoch-aligned, as the buckets are): a start inside a bucket
     * would give a first candle built from part of its ticks under the whole bucket's label (and the continuous
     * aggregates would leave it out), so the answer begins at that bucket and says so in "from".
     */
    private static RequestParams.TimeRange startOnABucket(RequestParams.TimeRange r, Duration bucket) {
        if (bucket == null) {
            return r;
        }
        long from = r.from().toEpochMilli();
        return new RequestParams.TimeRange(Instant.ofEpochMilli(from - Math.floorMod(from, bucket.toMillis())), r.to());
    }

    /**
     * The address of the next page of a truncated answer (null when there is none): the same request from
     * {@code nextFrom}, with this answer's end and model version written in. Left to their defaults, both could move
     * between pages (new data, a newly deployed model), and the pages would no longer add up to one answer.
     */
    private static String nextPage(Context ctx, Long nextFrom, RequestParams.TimeRange r, String version) {
        if (nextFrom == null) {
            return null;
        }
        Map<String, String> query = new LinkedHashMap<>();
        ctx.queryParamMap().forEach((name, values) -> query.put(name, values.get(0)));
        query.put("from", Long.toString(nextFrom));
        query.put("to", Long.toString(r.to().toEpochMilli()));
        if (version != null) {
            query.put("model_version", version);
        }
        java.util.StringJoiner next = new java.util.StringJoiner("&", ctx.path() + "?", "");
        query.forEach((name, value) -> next.add(URLEncoder.encode(name, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return next.toString();
    }

    private ObjectNode envelope(String symbol, RequestParams.TimeRange r) {
        return json.createObjectNode().put("symbol", symbol).put("from", r.from().toEpochMilli()).put("to", r.to().toEpochMilli())
                .put("from_time", r.from().toString()).put("to_time", Instant.ofEpochMilli(r.to().toEpochMilli()).toString());
    }

    @Override
    public void close() {
        if (feed != null) {
            feed.removeListener(fanOut);
        }
        liveClients.close();
        if (app != null) {
            app.stop();
        }
    }
}
