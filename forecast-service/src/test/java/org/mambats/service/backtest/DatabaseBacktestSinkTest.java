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
import org.mambats.backtest.cli.BacktestCommand;
import org.mambats.backtest.run.BacktestConfig;
import org.mambats.backtest.run.PanelResult;
import org.mambats.backtest.sink.BacktestSink;
import org.mambats.service.api.MarketQueries;
import org.mambats.ingest.db.Database;
import org.mambats.model.train.SmallRecipes;

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

    @Test
    void aUniversesRunLandsWithItsSymbolsRunsAndThePortfolio() throws Exception {
        // Two random walks, one a minute behind the other, backtested as a universe with tiny models.
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
        StringBuilder csv = new StringBuilder("symbol,ts,price,size\n");
        double a = 100, b = 2000;
        long t0 = 1_700_000_000_000L;
        for (int i = 0; i < 1500; i++) {
            a *= Math.exp(1e-4 * rnd.nextGaussian());
            b *= Math.exp(5e-4 * rnd.nextGaussian());
            csv.append("AAA,").append(t0 + i * 1000L).append(',').append(a).append(",1\n");
            csv.append("BBB,").append(t0 + 60_000 + i * 1000L + 500).append(',').append(b).append(",1\n");
        }
        Path data = tmp.resolve("universe.csv");
        java.nio.file.Files.writeString(data, csv);
        try (Database server = Database.connect(null, tmp.resolve("pg"), 2)) {
            BacktestConfig c = new BacktestConfig();
            c.data = data.toString();
            c.reportDir = tmp.resolve("report");
            c.trainWindow = java.time.Duration.ofMinutes(12);
            c.testWindow = java.time.Duration.ofMinutes(6);
            c.retrainEvery = c.testWindow;
            c.training = SmallRecipes.small("1tick,30s", 8, 1, 64);
            c.baselines = new java.util.ArrayList<>(java.util.List.of("no-change", "ewma"));
            c.bar = java.time.Duration.ofMinutes(1);
            c.jdbcUrl = server.jdbcUrl();
            c.progress = false;
            PanelResult p = BacktestCommand.run(c);
            try (Connection conn = server.dataSource().getConnection(); Statement s = conn.createStatement()) {
                long panelId;
                try (ResultSet rs = s.executeQuery("SELECT id, symbols, config->>'run_id', metrics->'portfolio'->'mamba'->>'sleeves' "
                        + "FROM backtest_runs WHERE kind = 'panel'")) {
                    rs.next();
                    panelId = rs.getLong(1);
                    assertEquals(java.util.List.of("AAA", "BBB"), java.util.List.of((Object[]) rs.getArray(2).getArray()));
                    assertEquals(p.runId, rs.getString(3));
                    assertEquals("2", rs.getString(4));
                    assertEquals(false, rs.next(), "one universe row");
                }
                try (ResultSet rs = s.executeQuery("SELECT symbols[1], metrics->'run'->>'panel_run_id' FROM backtest_runs "
                        + "WHERE panel_id = " + panelId + " ORDER BY id")) {
                    for (String sym : new String[] {"AAA", "BBB"}) {
                        rs.next();
                        assertEquals(sym, rs.getString(1));
                        assertEquals(p.runId, rs.getString(2));
                    }
                    assertEquals(false, rs.next());
                }
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM backtest_equity WHERE run_id = " + panelId)) {
                    rs.next();
                    assertEquals(p.portfolio.size(), rs.getInt(1), "a portfolio curve per model and buy-and-hold");
                }
            }
            // The API lists the universe once and reaches its symbols through it.
            MarketQueries q = new MarketQueries(server.dataSource(), false, new com.fasterxml.jackson.databind.ObjectMapper());
            var runs = q.backtests(Long.MAX_VALUE, 10);
            assertEquals(1, runs.size());
            assertEquals("panel", runs.get(0).path("kind").asText());
            assertEquals(true, runs.get(0).path("summary").path("mamba").has("cumulative_return"), runs.toString());
            var one = q.backtest(runs.get(0).path("id").asLong());
            assertEquals(2, one.path("parts").size());
            var part = q.backtest(one.path("parts").get(1).path("id").asLong());
            assertEquals("BBB", part.path("symbols").get(0).asText());
            assertEquals(runs.get(0).path("id").asLong(), part.path("panel_id").asLong());
            assertEquals(true, part.path("equity").has("mamba"));
        }
    }
}
