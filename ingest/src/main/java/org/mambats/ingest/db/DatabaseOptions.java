package org.mambats.ingest.db;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import picocli.CommandLine.Option;

/**
 * Where a command's database is, declared once for every command that uses one ({@code sink}, {@code serve}):
 * a PostgreSQL/TimescaleDB JDBC URL, or, without one, an embedded PostgreSQL kept under a data folder. Used as a
 * picocli {@code @Mixin}.
 */
public final class DatabaseOptions {
    @Option(names = "--jdbc-url", description = "PostgreSQL JDBC URL, e.g. jdbc:postgresql://host:5432/db?user=..&password=.. "
            + "(default: an embedded PostgreSQL under --data-dir).")
    String jdbcUrl;
    @Option(names = "--data-dir", defaultValue = "./work/postgres",
            description = "Folder of the embedded PostgreSQL (data and port), used without --jdbc-url (default ${DEFAULT-VALUE}).")
    Path dataDir;

    /** Connects without migrating; see {@link Database#connect}. */
    public Database connect(int poolSize) throws IOException {
        return Database.connect(jdbcUrl, dataDir, poolSize);
    }

    /** Connects and migrates; see {@link Database#open}. */
    public Database open(int poolSize) throws IOException, SQLException {
        return Database.open(jdbcUrl, dataDir, poolSize);
    }
}
