package org.mambats.service.api;

import static org.mambats.service.api.Endpoint.Param.path;
import static org.mambats.service.api.Endpoint.Param.query;

import java.time.Duration;
import java.util.List;
import org.mambats.service.api.Endpoint.Type;

/** Every endpoint of the HTTP API, with its parameters and limits: the single source for routing, validation and OpenAPI. */
public final class ApiCatalog {
    private ApiCatalog() {
    }

    static final String JSON = "application/json";

    /** Longest range of raw ticks or raw forecasts in one request; longer ones must be bucketed. */
    public static final Duration MAX_RAW_RANGE = Duration.ofDays(1);
    /** At most this many buckets in one request (range / bucket width). */
    public static final long MAX_BUCKETS = 20_000;
    /** Longest range of the forecast-error summary (each forecast is joined to later ticks). */
    public static final Duration MAX_ERROR_RANGE = Duration.ofDays(7);
    /** Default window when neither from nor to is given: the last hour of the symbol's data. */
    public static final Duration DEFAULT_WINDOW = Duration.ofHours(1);
    /** Longest a query may run; the database then cancels it and the request gets a 503 saying so. */
    public static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);
    /** At most this many rows in one response; more sets "truncated": true. */
    public static final int MAX_ROWS = 50_000;

    private static final Endpoint.Param FROM = query("from", Type.TIME, false,
            "start of the range, inclusive (default: 'to' minus one hour)");
    private static final Endpoint.Param TO = query("to", Type.TIME, false,
            "end of the range, exclusive (default: just after the symbol's newest data)");
    private static final Endpoint.Param MODEL_VERSION = query("model_version", Type.TEXT, false,
            "model version (default: the version of the symbol's newest forecast)");

    public static final Endpoint SYMBOLS = new Endpoint("/api/symbols",
            "Symbols with stored ticks or forecasts: first and last event time, tick count, last price", List.of(), JSON);
    public static final Endpoint LATEST = new Endpoint("/api/forecasts/latest",
            "The newest forecast of every horizon, per symbol",
            List.of(query("symbol", Type.SYMBOL, false, "only this symbol (default: all)")), JSON);
    public static final Endpoint MODELS = new Endpoint("/api/models",
            "The model versions that forecast a symbol, newest first: model name, version, event times of the first and last forecast, "
                    + "and for checkpoints the service was given (serve --checkpoint) the training verdict and range",
            List.of(query("symbol", Type.SYMBOL, true, "the symbol")), JSON);
    public static final Endpoint FORECASTS = new Endpoint("/api/forecasts",
            "Forecasts of a symbol in a time range (event time); bucketed: the last forecast of each bucket and horizon",
            List.of(query("symbol", Type.SYMBOL, true, "the symbol"), FROM, TO,
                    query("horizon", Type.HORIZON, false, "only this horizon (default: all)"),
                    query("bucket", Type.BUCKET, false, "thin to the last forecast per bucket (required for ranges over 1 day)"),
                    MODEL_VERSION), JSON);
    public static final Endpoint TICKS = new Endpoint("/api/ticks",
            "Ticks of a symbol in a time range, or OHLCV candles when bucketed",
            List.of(query("symbol", Type.SYMBOL, true, "the symbol"), FROM, TO,
                    query("bucket", Type.BUCKET, false, "candle width (required for ranges over 1 day)")), JSON);
    public static final Endpoint ERRORS = new Endpoint("/api/errors",
            "Forecast error and calibration per horizon over a time range: forecasts whose horizon has passed, against the realised price",
            List.of(query("symbol", Type.SYMBOL, true, "the symbol"), FROM, TO, MODEL_VERSION), JSON);
    /** Backtest runs in one answer of /api/backtests; older ones with before=. */
    public static final int BACKTESTS_PAGE = 100;
    public static final Endpoint BACKTESTS = new Endpoint("/api/backtests",
            "Stored backtest runs, newest first, with their headline metrics, " + BACKTESTS_PAGE + " at a time; a universe's run "
                    + "(kind 'panel': its portfolio and pooled skill) is listed once, its symbols' runs through it",
            List.of(query("before", Type.ID, false, "only runs with a smaller id: the last id of the previous page")), JSON);
    public static final Endpoint BACKTEST = new Endpoint("/api/backtests/{id}",
            "One backtest run: configuration, full metrics and the equity curve of every model; for a universe's run (kind "
                    + "'panel') the portfolio's curves and 'parts', each symbol's run id",
            List.of(path("id", Type.ID, "run id from /api/backtests")), JSON);
    public static final Endpoint STREAM = new Endpoint("/api/stream",
            "Server-sent events: first 'ready' (data {symbol, topic, resumed}), then every new forecast (event 'forecast', data as on "
                    + "the forecasts topic, with an id) as it arrives. A client that reconnects with the header Last-Event-ID gets the "
                    + "forecasts it missed first, when the service still has them ('resumed': true); otherwise it must reload them",
            List.of(query("symbol", Type.SYMBOL, false, "only this symbol (default: all)")), "text/event-stream");
    public static final Endpoint HEALTH = new Endpoint("/health",
            "Health of the service and what it depends on: 200 when up, 503 when a dependency is down", List.of(), JSON);
    public static final Endpoint METRICS = new Endpoint("/metrics",
            "Prometheus metrics: ticks processed, forecasts written, dead letters, consumer lag, step latency", List.of(),
            "text/plain; version=0.0.4");
    public static final Endpoint OPENAPI = new Endpoint("/openapi.json", "This description", List.of(), JSON);

    /** The JSON endpoints whose answer is an array (the others answer an object). */
    public static final java.util.Set<Endpoint> ANSWER_ARRAYS = java.util.Set.of(SYMBOLS, LATEST, MODELS, BACKTESTS);

    public static final List<Endpoint> ALL = List.of(SYMBOLS, LATEST, MODELS, FORECASTS, TICKS, ERRORS, BACKTESTS, BACKTEST, STREAM,
            HEALTH, METRICS, OPENAPI);
}
