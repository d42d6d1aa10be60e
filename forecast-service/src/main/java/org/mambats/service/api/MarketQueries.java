package org.mambats.service.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The API's reads from PostgreSQL/TimescaleDB. Every query is a fixed text with bound parameters; the only variable
 * part is a choice between fixed texts (TimescaleDB functions and continuous aggregates when the extension is there,
 * their plain-PostgreSQL equivalents when not).
 */
public final class MarketQueries {
    private final DataSource ds;
    private final boolean timescale;
    private final ObjectMapper json;
    private volatile int timeoutSeconds = (int) ApiCatalog.QUERY_TIMEOUT.toSeconds();

    public MarketQueries(DataSource ds, boolean timescale, ObjectMapper json) {
        this.ds = ds;
        this.timescale = timescale;
        this.json = json;
    }

    /** Sets the query timeout (whole seconds, at least 1). */
    public void timeout(Duration d) {
        timeoutSeconds = (int) Math.max(1, d.toSeconds());
    }

    public Duration timeout() {
        return Duration.ofSeconds(timeoutSeconds);
    }

    /** Every symbol with stored forecasts or ticks, by a loose index scan (one index probe per symbol, not a table scan). */
    public List<String> symbols() throws SQLException {
        String sql = """
                WITH RECURSIVE f AS (
                    (SELECT symbol FROM forecasts ORDER BY symbol LIMIT 1)
                    UNION ALL
                    SELECT (SELECT symbol FROM forecasts WHERE symbol > f.symbol ORDER BY symbol LIMIT 1) FROM f WHERE f.symbol IS NOT NULL
                ), t AS (
                    (SELECT symbol FROM ticks ORDER BY symbol LIMIT 1)
                    UNION ALL
                    SELECT (SELECT symbol FROM ticks WHERE symbol > t.symbol ORDER BY symbol LIMIT 1) FROM t WHERE t.symbol IS NOT NULL
                )
                SELECT symbol FROM f WHERE symbol IS NOT NULL UNION SELECT symbol FROM t WHERE symbol IS NOT NULL ORDER BY 1""";
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); PreparedStatement ps = prepare(c, sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** First and last tick, last price and newest forecast of one symbol. */
    public ObjectNode symbolSummary(String symbol) throws SQLException {
        ObjectNode o = json.createObjectNode().put("symbol", symbol);
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement ps = prepare(c, "SELECT ts FROM ticks WHERE symbol = ? ORDER BY ts, seq LIMIT 1")) {
                ps.setString(1, symbol);
                try (ResultSet rs = ps.executeQuery()) {
                    putTime(o, "first_tick", rs.next() ? rs.getTimestamp(1) : null);
                }
            }
            try (PreparedStatement ps = prepare(c, "SELECT ts, price FROM ticks WHERE symbol = ? ORDER BY ts DESC, seq DESC LIMIT 1")) {
                ps.setString(1, symbol);
                try (ResultSet rs = ps.executeQuery()) {
                    boolean any = rs.next();
                    putTime(o, "last_tick", any ? rs.getTimestamp(1) : null);
                    putDouble(o, "last_price", any ? rs.getDouble(2) : null);
                }
            }
            try (PreparedStatement ps = prepare(c, 
                    "SELECT ts, price, model, model_version FROM forecasts WHERE symbol = ? ORDER BY ts DESC, seq DESC LIMIT 1")) {
                ps.setString(1, symbol);
                try (ResultSet rs = ps.executeQuery()) {
                    boolean any = rs.next();
                    putTime(o, "last_forecast", any ? rs.getTimestamp(1) : null);
                    if (any) {
                        if (o.get("last_price").isNull()) {
                            o.put("last_price", rs.getDouble(2));
                        }
                        o.put("model", rs.getString(3)).put("model_version", rs.getString(4));
                    }
                }
            }
        }
        return o;
    }

    /** Newest event time of the symbol's ticks or forecasts, or null when it has none. */
    public Instant latestTime(String symbol) throws SQLException {
        String sql = "SELECT greatest((SELECT max(ts) FROM ticks WHERE symbol = ?), (SELECT max(ts) FROM forecasts WHERE symbol = ?))";
        try (Connection c = ds.getConnection(); PreparedStatement ps = prepare(c, sql)) {
            ps.setString(1, symbol);
            ps.setString(2, symbol);
            try (ResultSet rs = ps.executeQuery()) {
                Timestamp t = rs.next() ? rs.getTimestamp(1) : null;
                return t == null ? null : t.toInstant();
            }
        }
    }

    /** Model version of the symbol's newest forecast, or null. */
    public String latestModelVersion(String symbol) throws SQLException {
        try (Connection c = ds.getConnection();
             PreparedStatement ps = prepare(c, "SELECT model_version FROM forecasts WHERE symbol = ? ORDER BY ts DESC, seq DESC LIMIT 1")) {
            ps.setString(1, symbol);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /**
     * The model versions with forecasts for the symbol, newest first (by their last forecast): name, version, event
     * times of the first and last forecast. Found by a loose index scan of (symbol, model_version, ts), so the cost
     * is a few index probes per version, not a read of the symbol's forecasts.
     */
    public ArrayNode modelVersions(String symbol) throws SQLException {
        String sql = """
                WITH RECURSIVE v AS (
                    (SELECT model_version FROM forecasts WHERE symbol = ? ORDER BY model_version LIMIT 1)
                    UNION ALL
                    SELECT (SELECT model_version FROM forecasts WHERE symbol = ? AND model_version > v.model_version ORDER BY model_version LIMIT 1)
                    FROM v WHERE v.model_version IS NOT NULL
                )
                SELECT v.model_version,
                       (SELECT model FROM forecasts WHERE symbol = ? AND model_version = v.model_version ORDER BY ts DESC LIMIT 1),
                       (SELECT min(ts) FROM forecasts WHERE symbol = ? AND model_version = v.model_version),
                       (SELECT max(ts) FROM forecasts WHERE symbol = ? AND model_version = v.model_version) AS last
                FROM v WHERE v.model_version IS NOT NULL ORDER BY last DESC, v.model_version""";
        ArrayNode out = json.createArrayNode();
        try (Connection c = ds.getConnection(); PreparedStatement ps = prepare(c, sql)) {
            for (int i = 1; i <= 5; i++) {
                ps.setString(i, symbol);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ObjectNode o = out.addObject().put("model", rs.getString(2)).put("model_version", rs.getString(1));
                    putTime(o, "first_forecast", rs.getTimestamp(3));
                    putTime(o, "last_forecast", rs.getTimestamp(4));
                }
            }
        }
        return out;
    }

    /** The horizons of a model version's newest forecasts of the symbol (two index probes), sorted by name. */
    public List<String> horizons(String symbol, String modelVersion) throws SQLException {
        String sql = """
                SELECT DISTINCT horizon FROM forecasts WHERE symbol = ? AND model_version = ?
                  AND ts = (SELECT max(ts) FROM forecasts WHERE symbol = ? AND model_version = ?) ORDER BY 1""";
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); PreparedStatement ps = prepare(c, sql)) {
            ps.setString(1, symbol);
            ps.setString(2, modelVersion);
            ps.setString(3, symbol);
            ps.setString(4, modelVersion);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** Every horizon of the symbol's newest forecasted tick. */
    public ArrayNode latestForecasts(String symbol) throws SQLException {
        String sql = """
                SELECT f.ts, f.seq, f.horizon, f.price, f.levels, f.log_returns, f.model, f.model_version
                FROM (SELECT ts, seq, model_version FROM forecasts WHERE symbol = ? ORDER BY ts DESC, seq DESC LIMIT 1) n
                JOIN forecasts f ON f.symbol = ? AND f.ts = n.ts AND f.seq = n.seq AND f.model_version = n.model_version
                ORDER BY f.horizon""";
        ArrayNode out = json.createArrayNode();
        try (Connection c = ds.getConnection(); PreparedStatement ps = prepare(c, sql)) {
            ps.setString(1, symbol);
            ps.setString(2, symbol);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ObjectNode o = out.addObject().put("symbol", symbol);
                    putTime(o, "ts", rs.getTimestamp(1));
                    o.put("seq", rs.getLong(2)).put("horizon", rs.getString(3)).put("price", rs.getDouble(4));
                    putQuantiles(o, rs.getDouble(4), rs.getArray(5), rs.getArray(6));
                    o.put("model", rs.getString(7)).put("model_version", rs.getString(8));
                }
            }
        }
        return out;
    }

    /** Raw ticks in [from, to), at most {@code limit}. */
    public Rows ticks(String symbol, RequestParams.TimeRange r, int limit) throws SQLException {
        String sql = "SELECT ts, price, size, seq FROM ticks WHERE symbol = ? AND ts >= ? AND ts < ? ORDER BY ts, seq LIMIT ?";
        Rows rows = new Rows(json.createArrayNode());
        try (Connection c = ds.getConnection(); PreparedStatement ps = prepare(c, sql)) {
            bindRange(ps, symbol, r);
            ps.setInt(4, limit + 1);
            readBounded(ps, rows, limit, (rs, o) -> o.put("price", rs.getDouble(2)).put("size", rs.getDouble(3)).put("seq", rs.getLong(4)));
        }
        return rows;
    }

    /**
     * OHLCV candles. On TimescaleDB, 1m and 1h come from the continuous aggregates and other widths from time_bucket
     * with first/last; on plain PostgreSQL, date_bin over the ticks with ordered array_agg for open and close. Both
     * align buckets to the Unix epoch.
     */
    public Rows candles(String symbol, RequestParams.TimeRange r, Duration width) throws SQLException {
        String fromTicks;
        if (timescale) {
            fromTicks = """
                    SELECT time_bucket(?::interval, ts, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS bucket, first(price, ts), max(price), min(price),
                           last(price, ts), sum(size), count(*)
                    FROM ticks WHERE symbol = ? AND ts >= ? AND ts < ? GROUP BY 1""";
        } else {
            fromTicks = """
                    SELECT date_bin(?::interval, ts, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS bucket,
                           (array_agg(price ORDER BY ts, seq))[1], max(price), min(price), (array_agg(price ORDER BY ts DESC, seq DESC))[1],
                           sum(size), count(*)
                    FROM ticks WHERE symbol = ? AND ts >= ? AND ts < ? GROUP BY 1""";
        }
        String aggregate = !timescale ? null : width.equals(Duration.ofMinutes(1)) ? "candles_1m" : width.equals(Duration.ofHours(1)) ? "candles_1h" : null;
        // The aggregates hold whole buckets: they answer up to the last bucket boundary before the end, and the
        // ticks the bucket still forming (so no candle takes in ticks from after the end).
        long to = r.to().toEpochMilli();
        Instant wholeUntil = Instant.ofEpochMilli(to - Math.floorMod(to, width.toMillis()));
        String sql = aggregate == null ? fromTicks + " ORDER BY 1"
                : "SELECT bucket, open, high, low, close, volume, trades FROM " + aggregate + " WHERE symbol = ? AND bucket >= ? AND bucket < ? "
                        + "UNION ALL " + fromTicks + " ORDER BY 1";
        Rows rows = new Rows(json.createArrayNode());
        try (Connection c = ds.getConnection(); PreparedStatement ps = prepare(c, sql)) {
            int i = 1;
            if (aggregate != null) {
                ps.setString(i++, symbol);
                ps.setTimestamp(i++, Timestamp.from(r.from()));
                ps.setTimestamp(i++, Timestamp.from(wholeUntil));
            }
            ps.setString(i++, width.toSeconds() + " seconds");
            ps.setString(i++, symbol);
            ps.setTimestamp(i++, Timestamp.from(aggregate != null && wholeUntil.isAfter(r.from()) ? wholeUntil : r.from()));
            ps.setTimestamp(i, Timestamp.from(r.to()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ObjectNode o = rows.items.addObject();
                    putTime(o, "ts", rs.getTimestamp(1));
                    o.put("open", rs.getDouble(2)).put("high", rs.getDouble(3)).put("low", rs.getDouble(4)).put("close", rs.getDouble(5))
                            .put("volume", rs.getDouble(6)).put("trades", rs.getLong(7));
                }
            }
        }
        return rows;
    }

    /** Forecasts in [from, to): every one, or (bucketed) the last of each bucket and horizon. */
    public Rows forecasts(String symbol, RequestParams.TimeRange r, String horizon, Duration bucket, String modelVersion, int limit)
            throws SQLException {
        String columns = "f.ts, f.seq, f.horizon, f.price, f.levels, f.log_returns, f.model, f.model_version";
        String where = "f.symbol = ? AND f.ts >= ? AND f.ts < ? AND f.model_version = ? AND (?::text IS NULL OR f.horizon = ?)";
        String sql;
        if (bucket == null) {
            sql = "SELECT " + columns + " FROM forecasts f WHERE " + where + " ORDER BY f.ts, f.seq, f.horizon LIMIT ?";
        } else {
            // The bucket is computed once per row in the inner query, so DISTINCT ON and ORDER BY name the same column.
            String b = timescale ? "time_bucket(?::interval, f.ts, TIMESTAMPTZ '1970-01-01 00:00:00+00')" : "date_bin(?::interval, f.ts, TIMESTAMPTZ '1970-01-01 00:00:00+00')";
            sql = "SELECT ts, seq, horizon, price, levels, log_returns, model, model_version FROM ("
                    + "SELECT DISTINCT ON (f.horizon, f.b) f.* FROM (SELECT " + columns + ", " + b + " AS b FROM forecasts f WHERE " + where
                    + ") f ORDER BY f.horizon, f.b, f.ts DESC, f.seq DESC) x ORDER BY ts, seq, horizon LIMIT ?";
        }
        Rows rows = new Rows(json.createArrayNode());
        try (Connection c = ds.getConnection(); PreparedStatement ps = prepare(c, sql)) {
            int i = 1;
            String interval = bucket == null ? null : bucket.toSeconds() + " seconds";
            if (bucket != null) {
                ps.setString(i++, interval);
            }
            ps.setString(i++, symbol);
            ps.setTimestamp(i++, Timestamp.from(r.from()));
            ps.setTimestamp(i++, Timestamp.from(r.to()));
            ps.setString(i++, modelVersion);
            ps.setString(i++, horizon);
            ps.setString(i++, horizon);
            ps.setInt(i, limit + 1);
            readBounded(ps, rows, limit, (rs, o) -> {
                o.put("seq", rs.getLong(2)).put("horizon", rs.getString(3)).put("price", rs.getDouble(4));
                putQuantiles(o, rs.getDouble(4), rs.getArray(5), rs.getArray(6));
            });
        }
        return rows;
    }

    /**
     * Error and calibration per horizon of the forecasts made in [from, to) whose horizon has passed: mean absolute
     * error and bias of the median, pinball loss, the share of outcomes inside the 10-90 band (nominal 0.8), and the
     * share at or below each of the q10/q50/q90 forecasts (nominal 0.1/0.5/0.9).
     */
    public ArrayNode errors(String symbol, RequestParams.TimeRange r, String modelVersion) throws SQLException {
        String sql = """
                SELECT horizon, count(*), avg(abs(error_q50)), avg(error_q50), avg(pinball),
                       avg(CASE WHEN covered_10_90 THEN 1.0 ELSE 0.0 END),
                       avg(CASE WHEN realised_log_return <= q10 THEN 1.0 ELSE 0.0 END),
                       avg(CASE WHEN realised_log_return <= q50 THEN 1.0 ELSE 0.0 END),
                       avg(CASE WHEN realised_log_return <= q90 THEN 1.0 ELSE 0.0 END)
                FROM forecast_errors
                WHERE symbol = ? AND ts >= ? AND ts < ? AND model_version = ?
                GROUP BY horizon ORDER BY horizon""";
        ArrayNode out = json.createArrayNode();
        try (Connection c = ds.getConnection(); PreparedStatement ps = prepare(c, sql)) {
            bindRange(ps, symbol, r);
            ps.setString(4, modelVersion);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ObjectNode o = out.addObject().put("horizon", rs.getString(1)).put("n", rs.getLong(2))
                            .put("mae_q50", rs.getDouble(3)).put("bias_q50", rs.getDouble(4)).put("pinball", rs.getDouble(5))
                            .put("coverage_10_90", rs.getDouble(6));
                    o.putObject("calibration").put("0.1", rs.getDouble(7)).put("0.5", rs.getDouble(8)).put("0.9", rs.getDouble(9));
                }
            }
        }
        return out;
    }

    /** Stored backtest runs, newest first, with headline figures picked from their metrics. */
    public ArrayNode backtests(long beforeId, int limit) throws SQLException {
        // A universe's run is listed once; its symbols' runs are reached through it.
        String sql = "SELECT id, created_at, model, model_version, config, metrics, kind, symbols FROM backtest_runs "
                + "WHERE id < ? AND panel_id IS NULL ORDER BY id DESC LIMIT ?";
        ArrayNode out = json.createArrayNode();
        try (Connection c = ds.getConnection(); PreparedStatement ps = prepare(c, sql)) {
            ps.setLong(1, beforeId);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ObjectNode o = out.addObject().put("id", rs.getLong(1));
                    putTime(o, "created_at", rs.getTimestamp(2));
                    o.put("model", rs.getString(3)).put("model_version", rs.getString(4));
                    JsonNode config = readJson(rs.getString(5));
                    JsonNode metrics = readJson(rs.getString(6));
                    o.put("run_id", config.path("run_id").asText(null)).put("mode", config.path("mode").asText(null));
                    o.put("kind", rs.getString(7));
                    o.set("symbols", symbols(rs.getArray(8)));
                    o.set("summary", "panel".equals(rs.getString(7)) ? portfolioSummary(metrics) : summary(metrics));
                }
            }
        }
        return out;
    }

    /** One run in full, with equity curves; null when there is no such run. */
    public ObjectNode backtest(long id) throws SQLException {
        try (Connection c = ds.getConnection()) {
            ObjectNode o;
            try (PreparedStatement ps = prepare(c, 
                    "SELECT id, created_at, model, model_version, config, metrics, kind, panel_id, symbols FROM backtest_runs WHERE id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    o = json.createObjectNode().put("id", rs.getLong(1));
                    putTime(o, "created_at", rs.getTimestamp(2));
                    o.put("model", rs.getString(3)).put("model_version", rs.getString(4));
                    o.set("config", readJson(rs.getString(5)));
                    o.set("metrics", readJson(rs.getString(6)));
                    o.put("kind", rs.getString(7));
                    long panel = rs.getLong(8);
                    if (!rs.wasNull()) {
                        o.put("panel_id", panel);
                    }
                    o.set("symbols", symbols(rs.getArray(9)));
                }
            }
            if ("panel".equals(o.path("kind").asText())) {
                // The symbols' own runs, for the dashboard's choice between the portfolio and a symbol.
                ArrayNode parts = o.putArray("parts");
                try (PreparedStatement ps = prepare(c, "SELECT id, symbols[1] FROM backtest_runs WHERE panel_id = ? ORDER BY id")) {
                    ps.setLong(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            parts.addObject().put("id", rs.getLong(1)).put("symbol", rs.getString(2));
                        }
                    }
                }
            }
            ObjectNode curves = o.putObject("equity");
            try (PreparedStatement ps = prepare(c, "SELECT model, ts, equity FROM backtest_equity WHERE run_id = ? ORDER BY model")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Timestamp[] ts = (Timestamp[]) rs.getArray(2).getArray();
                        Double[] eq = (Double[]) rs.getArray(3).getArray();
                        ArrayNode points = curves.putArray(rs.getString(1));
                        for (int k = 0; k < ts.length; k++) {
                            points.addArray().add(ts[k].getTime()).add(eq[k]);
                        }
                    }
                }
            }
            return o;
        }
    }

    private ArrayNode symbols(java.sql.Array a) throws SQLException {
        ArrayNode out = json.createArrayNode();
        if (a != null) {
            for (Object x : (Object[]) a.getArray()) {
                out.add(String.valueOf(x));
            }
        }
        return out;
    }

    /** A universe's run: per model, the portfolio's return, Sharpe and drawdown, and the pooled skill per horizon. */
    private ObjectNode portfolioSummary(JsonNode metrics) {
        ObjectNode s = json.createObjectNode();
        JsonNode book = metrics.path("portfolio");
        book.fieldNames().forEachRemaining(name -> {
            JsonNode t = book.get(name);
            if (t.isObject()) {
                ObjectNode ms = s.putObject(name);
                ms.set("cumulative_return", t.path("cumulative_return"));
                ms.set("sharpe", t.path("sharpe"));
                ms.set("max_drawdown", t.path("max_drawdown"));
            }
        });
        JsonNode pooled = metrics.path("pooled");
        pooled.fieldNames().forEachRemaining(name -> {
            if (pooled.get(name).isArray()) {
                ObjectNode skill = (s.has(name) ? (ObjectNode) s.get(name) : s.putObject(name)).putObject("pooled_skill");
                for (JsonNode h : pooled.get(name)) {
                    skill.set(h.path("horizon").asText(), h.path("skill"));
                }
            }
        });
        return s;
    }

    /** Per model: pinball skill vs no-change per horizon and the trading result, when the metrics have them. */
    private ObjectNode summary(JsonNode metrics) {
        ObjectNode s = json.createObjectNode();
        JsonNode hold = metrics.path("buy_and_hold");
        if (hold.has("cumulative_return")) {
            s.putObject("buy-and-hold").set("cumulative_return", hold.get("cumulative_return"));
        }
        JsonNode models = metrics.path("models");
        models.fieldNames().forEachRemaining(name -> {
            JsonNode m = models.get(name);
            ObjectNode ms = s.putObject(name);
            JsonNode trading = m.path("trading");
            if (trading.has("cumulative_return")) {
                ms.set("cumulative_return", trading.get("cumulative_return"));
                ms.set("sharpe", trading.path("sharpe"));
                ms.set("max_drawdown", trading.path("max_drawdown"));
            }
            JsonNode hz = m.path("horizons");
            if (hz.isObject()) {
                ObjectNode pin = ms.putObject("pinball_mean");
                hz.fieldNames().forEachRemaining(h -> pin.set(h, hz.get(h).path("pinball_mean")));
            }
        });
        return s;
    }

    /**
     * Reads at most {@code limit} rows (the query asks for one more, to tell truncation); column 1 is the time, and
     * rows come in time order. A truncated answer ends before the time of the first row it leaves out, dropping the
     * rows it has of that time, so that time is where the next page starts ({@link Rows#nextFrom}): asked from there,
     * the next page repeats nothing and misses nothing.
     */
    private static void readBounded(PreparedStatement ps, Rows rows, int limit, RowWriter fill) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                if (rows.items.size() == limit) {
                    rows.truncated = true;
                    Timestamp cut = rs.getTimestamp(1);
                    int keep = rows.items.size();
                    while (keep > 0 && rows.items.get(keep - 1).get("ts").asLong() == cut.getTime()) {
                        keep--;
                    }
                    if (keep > 0) { // else every row has one time: nothing to page by, the answer stays as it is
                        while (rows.items.size() > keep) {
                            rows.items.remove(rows.items.size() - 1);
                        }
                        rows.nextFrom = cut.getTime();
                    }
                    return;
                }
                ObjectNode o = rows.items.addObject();
                putTime(o, "ts", rs.getTimestamp(1));
                fill.write(rs, o);
            }
        }
    }

    @FunctionalInterface
    private interface RowWriter {
        void write(ResultSet rs, ObjectNode o) throws SQLException;
    }

    private JsonNode readJson(String text) {
        try {
            return text == null ? json.createObjectNode() : json.readTree(text);
        } catch (java.io.IOException e) {
            return json.createObjectNode();
        }
    }

    /**
     * Every query of the API runs under a timeout ({@link ApiCatalog#QUERY_TIMEOUT}): the server cancels it after that (SQL state
     * 57014), so one heavy request (a week of forecast errors, say) cannot hold pool connections that every other
     * request is waiting for.
     */
    private PreparedStatement prepare(Connection c, String sql) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            ps.setQueryTimeout(timeoutSeconds);
            return ps;
        } catch (SQLException e) {
            ps.close();
            throw e;
        }
    }

    private static void bindRange(PreparedStatement ps, String symbol, RequestParams.TimeRange r) throws SQLException {
        ps.setString(1, symbol);
        ps.setTimestamp(2, Timestamp.from(r.from()));
        ps.setTimestamp(3, Timestamp.from(r.to()));
    }

    private static void putTime(ObjectNode o, String name, Timestamp t) {
        if (t == null) {
            o.putNull(name);
        } else {
            o.put(name, t.getTime());
        }
    }

    private static void putDouble(ObjectNode o, String name, Double v) {
        if (v == null) {
            o.putNull(name);
        } else {
            o.put(name, v);
        }
    }

    /** {"quantiles": {"0.1": log return, ...}, "price_levels": {"0.1": price, ...}} from the stored arrays. */
    private static void putQuantiles(ObjectNode o, double price, Array levels, Array logReturns) throws SQLException {
        Float[] l = (Float[]) levels.getArray();
        Float[] q = (Float[]) logReturns.getArray();
        ObjectNode qo = o.putObject("quantiles");
        ObjectNode po = o.putObject("price_levels");
        for (int j = 0; j < l.length; j++) {
            qo.put(Float.toString(l[j]), q[j]);
            po.put(Float.toString(l[j]), price * Math.exp(q[j]));
        }
    }

    /** A bounded list of rows; truncated when more matched than the limit. */
    public static final class Rows {
        public final ArrayNode items;
        public boolean truncated;
        /** When truncated: the {@code from} (epoch ms) of the next page; null if there is none to ask for. */
        public Long nextFrom;

        Rows(ArrayNode items) {
            this.items = items;
        }
    }
}
