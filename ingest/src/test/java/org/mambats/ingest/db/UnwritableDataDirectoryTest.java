package org.mambats.ingest.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.ingest.disk.UnwritableDirectory;

/**
 * The embedded PostgreSQL on a directory that cannot be written (a full disk, a read-only mount): it refuses to
 * start with an error that names the directory, and once the directory can be written again it starts on the data
 * it had.
 */
class UnwritableDataDirectoryTest {
    private static final Map<String, String> FAST = Map.of("fsync", "off");

    @Test
    void anUnwritableDataDirectoryIsRefusedClearlyAndItsDataKept(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("pg");
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(root, FAST);
             Connection c = DriverManager.getConnection(pg.jdbcUrl()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE kept (v integer)");
            s.execute("INSERT INTO kept VALUES (42)");
        }
        try (UnwritableDirectory unwritable = UnwritableDirectory.of(root)) {
            assumeTrue(unwritable != null, "this machine cannot make a directory unwritable for root");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> EmbeddedPostgresServer.start(root, FAST).close());
            assertTrue(e.getMessage().contains(root.toAbsolutePath().toString()) && e.getMessage().contains("is not writable"), e.getMessage());
        }
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(root, FAST);
             Connection c = DriverManager.getConnection(pg.jdbcUrl()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT v FROM kept")) {
            assertTrue(rs.next(), "the table is still there");
            assertEquals(42, rs.getInt(1));
        }
    }
}
