package org.mambats.ingest.sink;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.mambats.model.forecast.Forecast;
import org.mambats.model.tick.Tick;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * Writes one batch of forecasts and ticks plus the consumer offsets that follow them in ONE transaction, so the
 * rows and the positions are committed together or not at all.
 *
 * <p>Rows go in with {@code COPY ... FROM STDIN (FORMAT csv)} straight into the table inside a savepoint: the fast
 * path, taken whenever no row of the batch is already stored. If one is (a unique violation), the transaction rolls
 * back to the savepoint and the batch is copied into a temporary staging table and moved over with
 * {@code INSERT ... SELECT ... ON CONFLICT DO NOTHING}, so writing a row twice stores it once.
 */
public final class BatchWriter {
    public static final String FORECAST_COLUMNS =
            "symbol, ts, seq, horizon, model, model_version, price, levels, log_returns, q10, q50, q90, p10, p50, p90";
    public static final String TICK_COLUMNS = "symbol, ts, price, size, bid, ask, seq";
    private static final String UNIQUE_VIOLATION = "23505";

    private final String forecastsTable;
    private final String ticksTable;
    private long copied;
    private long upserts;

    public BatchWriter() {
        this("forecasts", "ticks");
    }

    /** A writer into other tables of the same shape (the benchmark's). */
    public BatchWriter(String forecastsTable, String ticksTable) {
        this.forecastsTable = forecastsTable;
        this.ticksTable = ticksTable;
    }

    /** Rows written by the COPY fast path so far. */
    public long copiedRows() {
        return copied;
    }

    /** Batches that needed the staging-table upsert (some row already stored). */
    public long upsertBatches() {
        return upserts;
    }

    /**
     * Why the database refuses these rows (its message), or null if it would take them. Stores nothing: the
     * transaction is rolled back either way. For finding the rows that make a whole batch fail.
     *
     * @throws SQLException when the database cannot be reached, which says nothing about the rows
     */
    public String refusal(Connection c, List<Forecast> forecasts, List<Tick> ticks) throws SQLException {
        boolean auto = c.getAutoCommit();
        long copiedBefore = copied, upsertsBefore = upserts;
        c.setAutoCommit(false);
        try {
            if (!forecasts.isEmpty()) {
                copyOrUpsert(c, forecastsTable, FORECAST_COLUMNS, forecasts.size(), (sb, i) -> appendForecastCsv(sb, forecasts.get(i)));
            }
            if (!ticks.isEmpty()) {
                copyOrUpsert(c, ticksTable, TICK_COLUMNS, ticks.size(), (sb, i) -> appendTickCsv(sb, ticks.get(i)));
            }
            return null;
        } catch (SQLException e) {
            if (org.mambats.ingest.db.Database.unavailable(e)) {
                throw e;
            }
            return e.getMessage();
        } finally {
            copied = copiedBefore;
            upserts = upsertsBefore;
            c.rollback();
            c.setAutoCommit(auto);
        }
    }

    /**
     * Writes the rows and, for {@code group}, the next offset of every partition in {@code nextOffsets}, in one
     * transaction. Returns the number of rows newly stored (duplicates of stored rows do not count).
     */
    public long write(Connection c, List<Forecast> forecasts, List<Tick> ticks, String group,
                      Map<TopicPartition, Long> nextOffsets) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            long n = 0;
            if (!forecasts.isEmpty()) {
                n += copyOrUpsert(c, forecastsTable, FORECAST_COLUMNS, forecasts.size(), (sb, i) -> appendForecastCsv(sb, forecasts.get(i)));
            }
            if (!ticks.isEmpty()) {
                n += copyOrUpsert(c, ticksTable, TICK_COLUMNS, ticks.size(), (sb, i) -> appendTickCsv(sb, ticks.get(i)));
            }
            if (group != null && !nextOffsets.isEmpty()) {
                storeOffsets(c, group, nextOffsets);
            }
            c.commit();
            return n;
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        } finally {
            try {
                c.setAutoCommit(auto);
            } catch (SQLException ignored) {
                // the connection is broken; the pool discards it
            }
        }
    }

    /** Appends row {@code i} as a CSV line. */
    private interface RowFormat {
        void append(StringBuilder sb, int i);
    }

    private long copyOrUpsert(Connection c, String table, String columns, int rows, RowFormat format) throws SQLException {
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        Savepoint sp = c.setSavepoint();
        try {
            long n = stream(copy, "COPY " + table + " (" + columns + ") FROM STDIN (FORMAT csv)", rows, format);
            c.releaseSavepoint(sp);
            copied += n;
            return n;
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
            c.rollback(sp);
        }
        upserts++;
        String stage = "stage_" + table.replace('.', '_');
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE IF NOT EXISTS " + stage + " (LIKE " + table + " INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
            s.execute("TRUNCATE " + stage);
            stream(copy, "COPY " + stage + " (" + columns + ") FROM STDIN (FORMAT csv)", rows, format);
            return s.executeUpdate("INSERT INTO " + table + " (" + columns + ") SELECT " + columns + " FROM " + stage
                    + " ON CONFLICT DO NOTHING");
        }
    }

    /**
     * COPY the rows, formatted and sent in chunks of about 64 KB, so the server parses and inserts one chunk while
     * the next is being formatted.
     */
    private static long stream(CopyManager copy, String sql, int rows, RowFormat format) throws SQLException {
        CopyIn in = copy.copyIn(sql);
        try {
            StringBuilder sb = new StringBuilder(80 * 1024);
            for (int i = 0; i < rows; i++) {
                format.append(sb, i);
                if (sb.length() >= 64 * 1024) {
                    byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
                    in.writeToCopy(b, 0, b.length);
                    sb.setLength(0);
                }
            }
            if (sb.length() > 0) {
                byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
                in.writeToCopy(b, 0, b.length);
            }
            return in.endCopy();
        } finally {
            if (in.isActive()) {
                try {
                    in.cancelCopy();
                } catch (SQLException ignored) {
                    // the original failure is what matters
                }
            }
        }
    }

    /** Upserts the next offsets; an offset never moves backwards (a late writer of an older batch cannot rewind it). */
    public static void storeOffsets(Connection c, String group, Map<TopicPartition, Long> nextOffsets) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO sink_offsets (group_id, topic, partition, next_offset, updated_at) VALUES (?, ?, ?, ?, now()) "
                        + "ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, "
                        + "updated_at = now() WHERE sink_offsets.next_offset < EXCLUDED.next_offset")) {
            for (Map.Entry<TopicPartition, Long> e : nextOffsets.entrySet()) {
                ps.setString(1, group);
                ps.setString(2, e.getKey().topic());
                ps.setInt(3, e.getKey().partition());
                ps.setLong(4, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** The stored next offsets of {@code group} for those of {@code partitions} that have one. */
    public static Map<TopicPartition, Long> loadOffsets(Connection c, String group, Collection<TopicPartition> partitions)
            throws SQLException {
        Map<TopicPartition, Long> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT topic, partition, next_offset FROM sink_offsets WHERE group_id = ?")) {
            ps.setString(1, group);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    TopicPartition tp = new TopicPartition(rs.getString(1), rs.getInt(2));
                    if (partitions.contains(tp)) {
                        out.put(tp, rs.getLong(3));
                    }
                }
            }
        }
        return out;
    }

    /** One forecast as a CSV line in {@link #FORECAST_COLUMNS} order. */
    public static void appendForecastCsv(StringBuilder sb, Forecast f) {
        text(sb, f.symbol()).append(',');
        sb.append(Instant.ofEpochMilli(f.timeMillis())).append(',');
        sb.append(f.seq()).append(',');
        text(sb, f.horizon()).append(',');
        text(sb, f.model()).append(',');
        text(sb, f.version()).append(',');
        sb.append(f.price()).append(',');
        float[] levels = f.levels();
        float[] q = f.logReturns();
        sb.append("\"{");
        for (int j = 0; j < levels.length; j++) {
            sb.append(j == 0 ? "" : ",").append(levels[j]);
        }
        sb.append("}\",\"{");
        for (int j = 0; j < q.length; j++) {
            sb.append(j == 0 ? "" : ",").append(q[j]);
        }
        sb.append("}\"");
        int i10 = indexOf(levels, 0.1f);
        int i50 = indexOf(levels, 0.5f);
        int i90 = indexOf(levels, 0.9f);
        for (int i : new int[] {i10, i50, i90}) {
            sb.append(',');
            if (i >= 0) {
                sb.append(q[i]);
            }
        }
        for (int i : new int[] {i10, i50, i90}) {
            sb.append(',');
            if (i >= 0) {
                sb.append(f.priceLevel(i));
            }
        }
        sb.append('\n');
    }

    /** One tick as a CSV line in {@link #TICK_COLUMNS} order (no bid/ask: empty, i.e. NULL; no seq: -1). */
    public static void appendTickCsv(StringBuilder sb, Tick t) {
        text(sb, t.symbol()).append(',');
        sb.append(Instant.ofEpochMilli(t.timeMillis())).append(',');
        sb.append(t.price()).append(',').append(t.size()).append(',');
        if (Double.isFinite(t.bid())) {
            sb.append(t.bid());
        }
        sb.append(',');
        if (Double.isFinite(t.ask())) {
            sb.append(t.ask());
        }
        sb.append(',').append(t.hasSeq() ? t.seq() : Tick.NO_SEQ).append('\n');
    }

    private static int indexOf(float[] levels, float level) {
        for (int j = 0; j < levels.length; j++) {
            if (Math.abs(levels[j] - level) < 1e-6f) {
                return j;
            }
        }
        return -1;
    }

    private static StringBuilder text(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"') {
                sb.append('"');
            }
            sb.append(ch);
        }
        return sb.append('"');
    }
}
