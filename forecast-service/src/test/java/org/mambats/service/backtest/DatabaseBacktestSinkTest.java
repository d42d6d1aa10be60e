package org.mambats.service.backtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.backtest.sink.BacktestSink;
import org.mambats.ingest.db.Database;

/** A backtest given a JDBC URL stores its run in backtest_runs of a real (embedded) PostgreSQL. */
class DatabaseBacktestSinkTest {
    @TempDir
    Path tmp;

    @Test
    void runsLandInTheBacktestTable() throws Exception {
        try (Database server = Database.connect(null, tmp.resolve("pg"), 2)) {
            String url = server.jdbcUrl();
            ObjectNode config = JsonNodeFactory.instance.objectNode().put("model", "m").put("model_version", "v1");
            ObjectNode metrics = JsonNodeFactory.instance.objectNode();
            metrics.putObject("models").putObject("mamba").putObject("1tick").put("pinball", 0.25);
            try (BacktestSink sink = BacktestSink.open(url)) {
                assertInstanceOf(DatabaseBacktestSink.class, sink, "found through the service loader");
                sink.storeRun("run-1", config, metrics, null);
            }
            try (Connection c = server.dataSource().getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT model, model_version, config->>'run_id',"
                         + " (metrics->'models'->'mamba'->'1tick'->>'pinball')::float8 FROM backtest_runs")) {
                rs.next();
                assertEquals("m", rs.getString(1));
                assertEquals("v1", rs.getString(2));
                assertEquals("run-1", rs.getString(3));
                assertEquals(0.25, rs.getDouble(4));
                assertEquals(false, rs.next(), "one run, one row");
            }
        }
    }
}
