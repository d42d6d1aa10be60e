package org.mambats.service.backtest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.mambats.backtest.run.BacktestResult;
import org.mambats.backtest.sink.BacktestSink;
import org.mambats.ingest.db.Database;

/**
 * Stores finished backtest runs in the database's {@code backtest_runs} table (migrating the schema first), so
 * analysts see them next to the live forecasts. Found by {@code ./mamba-ts backtest --jdbc-url ...} through
 * {@link BacktestSink.Provider}.
 */
public final class DatabaseBacktestSink implements BacktestSink {
    private final Database db;

    DatabaseBacktestSink(Database db) {
        this.db = db;
    }

    /** Accepts PostgreSQL (and so TimescaleDB) JDBC URLs. */
    public static final class Provider implements BacktestSink.Provider {
        @Override
        public boolean accepts(String url) {
            return url.startsWith("jdbc:postgresql:");
        }

        @Override
        public BacktestSink open(String url) throws IOException {
            try {
                return new DatabaseBacktestSink(Database.open(url, null, 2));
            } catch (SQLException e) {
                throw new IOException("cannot open the database at " + url + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void storeRun(String runId, ObjectNode config, ObjectNode metrics, BacktestResult result) throws IOException {
        ObjectNode cfg = config.deepCopy();
        cfg.put("run_id", runId);
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "INSERT INTO backtest_runs (model, model_version, config, metrics) VALUES (?, ?, ?::jsonb, ?::jsonb)")) {
            ps.setString(1, cfg.path("model").asText(null));
            ps.setString(2, cfg.path("model_version").asText(null));
            ps.setString(3, cfg.toString());
            ps.setString(4, metrics.toString());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IOException("storing backtest run " + runId + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        db.close();
    }
}
