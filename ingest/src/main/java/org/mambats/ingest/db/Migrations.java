package org.mambats.ingest.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schema, as versioned Flyway migrations: {@code db/migration/common} (tables, functions, forecast-error views)
 * plus exactly one of {@code db/migration/timescale} (hypertables, continuous aggregates, policies) and
 * {@code db/migration/plain} (indexes and plain views with the same names and columns). The Timescale path is taken
 * when the server can install the {@code timescaledb} extension; a database once migrated keeps the path it took.
 */
public final class Migrations {
    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
    public static final String COMMON = "classpath:db/migration/common";
    public static final String PLAIN = "classpath:db/migration/plain";
    public static final String TIMESCALE = "classpath:db/migration/timescale";

    private Migrations() {
    }

    /** What {@link #migrate} did. */
    public record Result(boolean timescale, int applied, String schemaVersion) {
    }

    /** Applies the pending migrations of the path this database supports (or already took). */
    public static Result migrate(DataSource ds) throws SQLException {
        boolean timescale = chooseTimescale(ds);
        if (!timescale) {
            LOG.info("timescaledb not available: using plain PostgreSQL fallback (ordinary indexes, plain views "
                    + "candles_1m/candles_1h in place of hypertables and continuous aggregates, no compression or retention policies)");
        } else {
            LOG.info("timescaledb available: using hypertables, continuous aggregates, compression and retention policies");
        }
        Flyway flyway = Flyway.configure()
                .dataSource(ds)
                .locations(COMMON, timescale ? TIMESCALE : PLAIN)
                .loggers("slf4j")
                // A session-level advisory lock instead of one held in an open transaction: the Timescale migration
                // runs outside a transaction (continuous aggregates), and single-session servers would wait on it.
                .configuration(java.util.Map.of("flyway.postgresql.transactional.lock", "false"))
                .load();
        MigrateResult r = flyway.migrate();
        org.flywaydb.core.api.MigrationInfo current = flyway.info().current();
        return new Result(timescale, r.migrationsExecuted, current == null ? null : current.getVersion().getVersion());
    }

    /** Whether to take the Timescale path: the path recorded in Flyway's history, else whether the extension can be installed. */
    static boolean chooseTimescale(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT to_regclass('flyway_schema_history') IS NOT NULL")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    try (ResultSet h = s.executeQuery("SELECT script FROM flyway_schema_history WHERE version = '2' AND success")) {
                        if (h.next()) {
                            return h.getString(1).contains("timescale");
                        }
                    }
                }
            }
            return timescaleAvailable(c);
        }
    }

    /** {@code SELECT 1 FROM pg_available_extensions WHERE name='timescaledb'}. */
    public static boolean timescaleAvailable(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")) {
            return rs.next();
        }
    }
}
