package org.mambats.ingest.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database the sink (and the analysts) use: the PostgreSQL at a JDBC URL, or without one an embedded PostgreSQL
 * with its data under a folder; a HikariCP pool; the schema migrated on open.
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    private final EmbeddedPostgresServer embedded;
    private final HikariDataSource pool;
    private final String jdbcUrl;
    private Migrations.Result migration;

    private Database(EmbeddedPostgresServer embedded, HikariDataSource pool, String jdbcUrl) {
        this.embedded = embedded;
        this.pool = pool;
        this.jdbcUrl = jdbcUrl;
    }

    /** Opens (without migrating) the database at {@code jdbcUrl}, or an embedded one under {@code dataDir} when the URL is null. */
    public static Database connect(String jdbcUrl, Path dataDir, int poolSize) throws IOException {
        EmbeddedPostgresServer embedded = null;
        String url = jdbcUrl;
        if (url == null || url.isBlank()) {
            embedded = EmbeddedPostgresServer.start(dataDir, Map.of());
            url = embedded.jdbcUrl();
        }
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(url);
        cfg.setMaximumPoolSize(Math.max(2, poolSize)); // Flyway holds two connections while migrating
        cfg.setMinimumIdle(0);
        cfg.setPoolName("mamba-ts-db");
        cfg.setConnectionTimeout(3_000);
        cfg.setValidationTimeout(2_000);
        // Do not fail (or block) at construction when the server is down: connections are made on demand and retried.
        cfg.setInitializationFailTimeout(-1);
        cfg.setAutoCommit(true);
        // Every session in UTC: bucket origins, date_trunc and the text of times then mean the same on every machine
        // (the driver otherwise takes the JVM's zone, and 1-hour buckets in Asia/Kolkata start at :30).
        cfg.setConnectionInitSql("SET TIME ZONE 'UTC'");
        return new Database(embedded, new HikariDataSource(cfg), url);
    }

    /** {@link #connect} and {@link #migrate}. */
    public static Database open(String jdbcUrl, Path dataDir, int poolSize) throws IOException, SQLException {
        Database db = connect(jdbcUrl, dataDir, poolSize);
        try {
            db.migrate();
            return db;
        } catch (RuntimeException | SQLException e) {
            db.close();
            throw e;
        }
    }

    /** Applies pending migrations (see {@link Migrations}). */
    public synchronized Migrations.Result migrate() throws SQLException {
        migration = Migrations.migrate(pool);
        LOG.info("schema at version {} ({} migration(s) applied, {} path)", migration.schemaVersion(), migration.applied(),
                migration.timescale() ? "timescale" : "plain");
        return migration;
    }

    public DataSource dataSource() {
        return pool;
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    /**
     * Whether {@code e} says the database cannot take anything now, whatever is in the rows, which waiting (or an
     * operator) may cure: it could not be reached or went away (SQLSTATE class 08, 57P), it ran out of a resource
     * (53: disk full, out of memory, too many connections), or it failed on its own files (58) or inside (XX). Only
     * other errors say something about the statement or its rows; a writer that took a full disk for bad rows
     * would skip good ones.
     */
    public static boolean unavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLTransientException || t instanceof java.net.ConnectException
                    || (t instanceof SQLException sql && sql.getSQLState() != null && unavailableState(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    private static boolean unavailableState(String state) {
        return state.startsWith("08") || state.startsWith("57P") || state.startsWith("53") || state.startsWith("58")
                || state.startsWith("XX");
    }

    /** The URL with any password replaced by ***, for messages and logs (compose passes the password in the URL). */
    public static String redact(String jdbcUrl) {
        return jdbcUrl == null ? null : jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    /** The embedded server, or null when connected to a URL. */
    public EmbeddedPostgresServer embedded() {
        return embedded;
    }

    public boolean timescale() {
        return migration != null && migration.timescale();
    }

    @Override
    public void close() {
        pool.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
