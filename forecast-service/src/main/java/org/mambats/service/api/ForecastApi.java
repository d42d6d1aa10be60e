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
    /**
     * Live clients served at once by default; one more is refused with a 503 until one leaves. Each costs a virtual
     * thread, a socket and at most {@link #LIVE_CLIENT_BACKLOG} queued events.
     */
    public static final int DEFAULT_MAX_LIVE_CLIENTS = 2_000;
    private final LiveClients liveClients = new LiveClients(LIVE_CLIENT_BACKLOG, LIVE_REPLAY_EVENTS);
    /**
     * How long an answer is shared with identical requests (see {@link ResponseCache}): long enough that a crowd of
     * dashboards refreshing together asks the database once, short next to the page's 10 s refresh.
     */
    public static final Duration DEFAULT_ANSWER_TTL = Duration.ofSeconds(1);
    /** The error summary's answers are shared this many times longer. */
    static final int ERRORS_TTL_FACTOR = 10;
    private volatile ResponseCache cache = new ResponseCache(DEFAULT_ANSWER_TTL);
    private ApiAccess access = ApiAccess.open();
    private int maxLiveClients = DEFAULT_MAX_LIVE_CLIENTS;
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
        cache = new ResponseCache(cache.ttl()); // answers given without the card are not kept
        return this;
    }

    /** How long one query may run before the database cancels it (default {@link ApiCatalog#QUERY_TIMEOUT}). */
    public ForecastApi queryTimeout(Duration timeout) {
        queries.timeout(timeout);
        return this;
    }

    /** Who may read (default: anyone; {@code ForecastService} requires a token beyond loopback). */
    public ForecastApi access(ApiAccess access) {
        this.access = access;
        return this;
    }

    /** How long answers are shared with identical requests; zero: never (every request queries the database). */
    public ForecastApi answerTtl(Duration ttl) {
        this.cache = new ResponseCache(ttl);
        return this;
    }

    /** At most this many live clients at once (default {@link #DEFAULT_MAX_LIVE_CLIENTS}). */
    public ForecastApi maxLiveClients(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("the live client cap must be >= 1, got " + max);
        }
        this.maxLiveClients = max;
        return this;
    }

    /** Starts listening on host:port (port 0 picks a free one). */
    public ForecastApi start(String host, int port) {
        app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            // A request thread blocks on the database and an event stream on its client's socket: virtual threads
            // make a thousand of either cost memory, not a thousand platform threads.
            config.useVirtualThreads = true;
            config.jsonMapper(new JavalinJackson(json, false));
            config.staticFiles.add(sf -> {
                sf.hostedPath = "/";
                sf.directory = "/dashboard";
                sf.location = Location.CLASSPATH;
            });
            config.http.prefer405over404 = false;
        });
        // First of all handlers, so nothing (the dashboard's files included) is served without the token.
        app.before(this::checkAccess);
        app.get(ApiCatalog.SYMBOLS.path(), ctx -> answer(ctx, this::symbols));
        app.get(ApiCatalog.LATEST.path(), ctx -> answer(ctx, this::latest));
        app.get(ApiCatalog.MODELS.path(), ctx -> answer(ctx, this::models));
        app.get(ApiCatalog.FORECASTS.path(), ctx -> answer(ctx, this::forecasts));
        app.get(ApiCatalog.TICKS.path(), ctx -> answer(ctx, this::ticks));
        // An hour's error summary is the heaviest query (a realised price looked up per forecast) and changes slowly:
        // shared ten times longer. The dashboard asks it to the whole minute, so its pages share one answer.
        app.get(ApiCatalog.ERRORS.path(), ctx -> answer(ctx, ERRORS_TTL_FACTOR, this::errors));
        // Not shared: a backtest someone just stored must be listed at once, and these queries are cheap.
        app.get(ApiCatalog.BACKTESTS.path(), ctx -> ctx.json(backtests(ctx)));
        app.get(ApiCatalog.BACKTEST.path(), ctx -> ctx.json(backtest(ctx)));
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

    /** Live clients connected now. */
    public int liveClientCount() {
        return liveClients.size();
    }

    /** HTTP connections open now (live clients' and idle keep-alive ones included). */
    public int openConnections() {
        int n = 0;
        for (org.eclipse.jetty.server.Connector c : app.jettyServer().server().getConnectors()) {
            n += c.getConnectedEndPoints().size();
        }
        return n;
    }

    /** An endpoint's answer as JSON. */
    private interface JsonEndpoint {
        JsonNode answer(Context ctx) throws Exception;
    }

    /** Answers from {@link #cache} when the same request was answered a moment ago (or is being answered now). */
    private void answer(Context ctx, JsonEndpoint endpoint) throws Exception {
        answer(ctx, 1, endpoint);
    }

    private void answer(Context ctx, int ttlFactor, JsonEndpoint endpoint) throws Exception {
        String q = ctx.queryString();
        String body = cache.get(ctx.path() + (q == null ? "" : "?" + q), ttlFactor, () -> json.writeValueAsString(endpoint.answer(ctx)));
        ctx.contentType("application/json").result(body);
    }

    private void checkAccess(Context ctx) {
        if (!access.permits(ctx.path(), ctx.header("Authorization"))) {
            ctx.header("WWW-Authenticate", ApiAccess.challenge());
            throw new ApiException(401, "unauthorized", "this service needs its API token: 'Authorization: Bearer TOKEN', or basic "
                    + "authentication with any user name and the token as the password");
        }
    }

    private static boolean isJson(Context ctx) {
        String ct = ctx.res().getContentType();
        return ct != null && ct.startsWith("application/json");
    }

    private void error(Context ctx, int status, String error, String message) {
        ctx.status(status).json(json.createObjectNode().put("status", status).put("error", error).put("message", message));
    }

    // ---- endpoints ----

    private JsonNode symbols(Context ctx) throws SQLException {
        RequestParams.of(ApiCatalog.SYMBOLS, ctx);
        ArrayNode out = json.createArrayNode();
        for (String s : knownSymbols(true)) {
            out.add(queries.symbolSummary(s));
        }
        return out;
    }

    private JsonNode latest(Context ctx) throws SQLException {
        RequestParams p = RequestParams.of(ApiCatalog.LATEST, ctx);
        ArrayNode out = json.createArrayNode();
        List<String> which = p.has("symbol") ? List.of(requireSymbol(p.text("symbol"))) : knownSymbols(false);
        for (String s : which) {
            out.addAll(queries.latestForecasts(s));
        }
        return out;
    }

    private JsonNode models(Context ctx) throws SQLException {
        RequestParams p = RequestParams.of(ApiCatalog.MODELS, ctx);
        ArrayNode versions = queries.modelVersions(requireSymbol(p.text("symbol")));
        for (JsonNode row : versions) {
            ObjectNode card = modelCards.get(row.path("model_version").asText());
            if (card != null) {
                ((ObjectNode) row).setAll(card);
            }
        }
        return versions;
    }

    /** The symbol, bucket and time range a series query reads; a bucketed range starts on a bucket's edge. */
    private record SymbolWindow(String symbol, Duration bucket, RequestParams.TimeRange range) {
    }

    private SymbolWindow symbolWindow(RequestParams p) throws SQLException {
        String symbol = requireSymbol(p.text("symbol"));
        Duration bucket = p.bucket("bucket");
        return new SymbolWindow(symbol, bucket, startOnABucket(range(p, symbol, bucket), bucket));
    }

    private JsonNode forecasts(Context ctx) throws SQLException {
        RequestParams p = RequestParams.of(ApiCatalog.FORECASTS, ctx);
        SymbolWindow w = symbolWindow(p);
        String symbol = w.symbol();
        Duration bucket = w.bucket();
        RequestParams.TimeRange r = w.range();
        String version = p.has("model_version") ? p.text("model_version") : queries.latestModelVersion(symbol);
        MarketQueries.Rows rows = queries.forecasts(symbol, r, p.text("horizon"), bucket, version, ApiCatalog.MAX_ROWS);
        if (rows.items.isEmpty()) {
            refuseUnknown(symbol, version, p.has("model_version"), p.text("horizon"));
        }
        ObjectNode out = envelope(symbol, r);
        out.put("model_version", version).put("horizon", p.text("horizon")).put("bucket", p.text("bucket"))
                .put("truncated", rows.truncated).put("next_from", rows.nextFrom).put("next", nextPage(ctx, rows.nextFrom, r, version))
                .set("forecasts", rows.items);
        return out;
    }

    private JsonNode ticks(Context ctx) throws SQLException {
        RequestParams p = RequestParams.of(ApiCatalog.TICKS, ctx);
        SymbolWindow w = symbolWindow(p);
        ObjectNode out = envelope(w.symbol(), w.range());
        out.put("bucket", p.text("bucket"));
        if (w.bucket() == null) {
            MarketQueries.Rows rows = queries.ticks(w.symbol(), w.range(), ApiCatalog.MAX_ROWS);
            out.put("truncated", rows.truncated).put("next_from", rows.nextFrom).put("next", nextPage(ctx, rows.nextFrom, w.range(), null))
                    .set("ticks", rows.items);
        } else {
            out.put("truncated", false).set("candles", queries.candles(w.symbol(), w.range(), w.bucket()).items);
        }
        return out;
    }

    /**
     * Error summaries running at once, at most: each holds a database connection for as long as it looks up a
     * realised price per forecast (half a second for an hour of three horizons), and without a bound a crowd of them
     * takes every connection the quick queries need. Beyond it they wait here, not in the pool.
     */
    static final int MAX_CONCURRENT_ERROR_SUMMARIES = 2;
    private final java.util.concurrent.Semaphore errorSummaries = new java.util.concurrent.Semaphore(MAX_CONCURRENT_ERROR_SUMMARIES, true);

    private JsonNode errors(Context ctx) throws SQLException, InterruptedException {
        errorSummaries.acquire();
        try {
            return errorSummary(ctx);
        } finally {
            errorSummaries.release();
        }
    }

    private JsonNode errorSummary(Context ctx) throws SQLException {
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
        return out;
    }

    private JsonNode backtests(Context ctx) throws SQLException {
        RequestParams p = RequestParams.of(ApiCatalog.BACKTESTS, ctx);
        return queries.backtests(p.has("before") ? p.id("before") : Long.MAX_VALUE, ApiCatalog.BACKTESTS_PAGE);
    }

    private JsonNode backtest(Context ctx) throws SQLException {
        RequestParams p = RequestParams.of(ApiCatalog.BACKTEST, ctx);
        ObjectNode run = queries.backtest(p.id("id"));
        if (run == null) {
            throw ApiException.notFound("no backtest run with id " + p.id("id"));
        }
        return run;
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
        if (liveClients.size() >= maxLiveClients) {
            ctx.header("Retry-After", "30");
            throw ApiException.unavailable("this service already serves its maximum of " + maxLiveClients + " live clients; try again later");
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
