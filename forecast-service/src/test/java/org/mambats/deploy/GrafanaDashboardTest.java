package org.mambats.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.ingest.db.Database;
import org.mambats.ingest.db.EmbeddedPostgresServer;
import org.mambats.ingest.sink.BatchWriter;
import org.mambats.model.forecast.Forecast;
import org.mambats.model.tick.Tick;

/**
 * The provisioned Grafana dashboard against the real schema: a real PostgreSQL (embedded, so the plain path of the
 * migrations; the dashboard uses no Timescale-only SQL), set up as the stack sets up TimescaleDB (Grafana's read-only
 * role from docker/timescaledb/grafana-reader.sql, then the sink's migrations), with ticks and forecasts written by
 * the sink's own writer. Every query of the dashboard, its variables first, is expanded the way Grafana expands its
 * macros and run as Grafana's role: an unknown table, view, column or function fails, and every panel must show rows.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GrafanaDashboardTest {
    static final Path DASHBOARD = ComposeFile.DOCKER_DIR.resolve("grafana/dashboards/mamba-ts.json");
    static final Path DATASOURCE = ComposeFile.DOCKER_DIR.resolve("grafana/provisioning/datasources/timescaledb.yaml");
    static final Path READER_SQL = ComposeFile.DOCKER_DIR.resolve("timescaledb/grafana-reader.sql");
    static final Path READER_SCRIPT = ComposeFile.DOCKER_DIR.resolve("timescaledb/grafana-reader.sh");
    static final String READER = "grafana_reader";
    static final String READER_PASSWORD = "reader-test-password";
    static final String SYMBOL = "BTCUSD";
    static final List<String> HORIZONS = List.of("10s", "1tick");
    /** Grafana's $__interval_ms for the expansion: one minute. */
    static final long INTERVAL_MS = 60_000;

    @TempDir
    static Path dir;
    static EmbeddedPostgresServer pg;
    static JsonNode dashboard;
    static Instant from;
    static Instant to;
    static String readerUrl;

    @BeforeAll
    static void setUp() throws Exception {
        dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        from = Instant.parse(dashboard.path("time").path("from").asText());
        to = Instant.parse(dashboard.path("time").path("to").asText());
        pg = EmbeddedPostgresServer.start(dir.resolve("pg"), Map.of("fsync", "off"));
        // The stack's order: the init script creates the role before the sink migrates the schema.
        createReaderRole();
        try (Database db = Database.open(pg.jdbcUrl(), null, 2)) {
            assertFalse(db.timescale(), "the embedded PostgreSQL has no timescaledb: the plain path");
            seed(db);
        }
        readerUrl = "jdbc:postgresql://localhost:" + pg.port() + "/postgres?user=" + READER + "&password=" + READER_PASSWORD;
    }

    @AfterAll
    static void tearDown() {
        if (pg != null) {
            pg.close();
        }
    }

    /**
     * Runs docker/timescaledb/grafana-reader.sh as the TimescaleDB image does (psql from Debian's postgresql-client,
     * which these machines have); without psql, grafana-reader.sql with its variables filled in as the script would.
     */
    static void createReaderRole() throws Exception {
        if (!psqlInstalled()) {
            System.err.println("[GrafanaDashboardTest] psql not found: running grafana-reader.sql without its shell script");
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl()); Statement s = c.createStatement()) {
                s.execute(readerSql("postgres"));
            }
            return;
        }
        ProcessBuilder pb = new ProcessBuilder("sh", READER_SCRIPT.toString()).redirectErrorStream(true);
        pb.environment().putAll(Map.of("PGHOST", "localhost", "PGPORT", Integer.toString(pg.port()), "POSTGRES_USER", "postgres",
                "POSTGRES_DB", "postgres", "GRAFANA_DB_USER", READER, "GRAFANA_DB_PASSWORD", READER_PASSWORD,
                "GRAFANA_READER_SQL", READER_SQL.toString()));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "grafana-reader.sh finishes");
        assertEquals(0, p.exitValue(), "grafana-reader.sh failed:\n" + out);
    }

    static boolean psqlInstalled() {
        try {
            Process p = new ProcessBuilder("psql", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException | InterruptedException e) {
            return false;
        }
    }

    /** grafana-reader.sql with its psql variables filled in, as the init script passes them. */
    static String readerSql(String owner) throws Exception {
        String sql = Files.readString(READER_SQL)
                .replace(":\"reader\"", "\"" + READER + "\"")
                .replace(":'password'", "'" + READER_PASSWORD + "'")
                .replace(":\"owner\"", "\"" + owner + "\"");
        assertFalse(sql.matches("(?s).*:[\"'][a-z]+[\"'].*"), "a psql variable is left: " + sql);
        return sql;
    }

    /** Ten minutes of one-second ticks inside the dashboard's default time range, and a forecast per tick and horizon. */
    static void seed(Database db) throws SQLException {
        long t0 = from.plusSeconds(3 * 86_400).toEpochMilli();
        float[] levels = {0.1f, 0.5f, 0.9f};
        List<Tick> ticks = new ArrayList<>();
        List<Forecast> forecasts = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            double price = 800 + 5 * Math.sin(i / 30.0);
            ticks.add(Tick.trade(SYMBOL, t0 + i * 1000L, price, 0.1 + (i % 7) / 10.0, i));
            for (String h : HORIZONS) {
                forecasts.add(new Forecast(SYMBOL, t0 + i * 1000L, price, i, h, levels, new float[] {-0.002f, 0.0001f, 0.002f},
                        "mamba-forecaster", "0123456789ab"));
            }
        }
        try (Connection c = db.dataSource().getConnection()) {
            new BatchWriter().write(c, forecasts, ticks, null, Map.of());
        }
    }

    @Test
    void everyQueryRunsAsGrafanasRoleAndEveryPanelShowsRows() throws Exception {
        Map<String, String> variables = variableValues();
        assertEquals(Map.of("symbol", SYMBOL, "horizon", "1tick"), variables, "the variables' first values");
        List<String> checked = new ArrayList<>();
        for (JsonNode panel : panels(dashboard.path("panels"), new ArrayList<>())) {
            for (JsonNode target : panel.path("targets")) {
                String where = "panel '" + panel.path("title").asText() + "' query " + target.path("refId").asText();
                String sql = target.path("rawSql").asText("");
                assertFalse(sql.isBlank(), where + " has SQL");
                List<List<String>> rows = run(where, expand(sql, variables));
                assertFalse(rows.isEmpty(), where + " shows nothing on seeded data:\n" + expand(sql, variables));
                checked.add(where);
            }
        }
        assertTrue(checked.size() >= 6, checked.toString());
    }

    @Test
    void theVariablesListTheSeededSymbolAndTheHorizonsShortestFirst() throws Exception {
        List<JsonNode> vars = new ArrayList<>();
        dashboard.path("templating").path("list").forEach(vars::add);
        assertEquals(List.of("symbol", "horizon"), vars.stream().map(v -> v.path("name").asText()).toList());
        assertEquals(List.of(List.of(SYMBOL)), run("symbol", expand(vars.get(0).path("query").asText(), Map.of())));
        assertEquals(List.of(List.of("1tick"), List.of("10s")),
                run("horizon", expand(vars.get(1).path("query").asText(), Map.of("symbol", SYMBOL))));
    }

    @Test
    void everyQueryUsesTheProvisionedDataSource() throws Exception {
        JsonNode ds = ComposeFile.YAML.readTree(DATASOURCE.toFile()).path("datasources").get(0);
        String uid = ds.path("uid").asText();
        String type = ds.path("type").asText();
        List<JsonNode> refs = new ArrayList<>();
        for (JsonNode panel : panels(dashboard.path("panels"), new ArrayList<>())) {
            refs.add(panel.path("datasource"));
            panel.path("targets").forEach(t -> refs.add(t.path("datasource")));
        }
        dashboard.path("templating").path("list").forEach(v -> refs.add(v.path("datasource")));
        for (JsonNode ref : refs) {
            assertEquals(uid, ref.path("uid").asText(), ref.toString());
            assertEquals(type, ref.path("type").asText(), ref.toString());
        }
    }

    @Test
    void aMistakeInAQueryIsCaughtAndGrafanasRoleCannotWrite() {
        // The harness itself: a column the schema does not have fails, and the role is read-only.
        SQLException unknown = assertThrows(SQLException.class, () -> run("control",
                expand("SELECT bucket AS \"time\", no_such_column FROM candles_1m WHERE symbol = '$symbol' AND $__timeFilter(bucket)",
                        Map.of("symbol", SYMBOL))));
        assertTrue(unknown.getMessage().contains("no_such_column"), unknown.getMessage());
        SQLException denied = assertThrows(SQLException.class, () -> run("control", "DELETE FROM ticks"));
        assertTrue(denied.getMessage().contains("permission denied"), denied.getMessage());
        assertThrows(IllegalArgumentException.class, () -> expand("SELECT $__timeGroupAlias(ts, '1m') FROM ticks", Map.of()),
                "a macro this test cannot expand is reported, not ignored");
    }

    /** Each variable's first value, in order, from its own query (as Grafana selects them on load). */
    static Map<String, String> variableValues() throws SQLException {
        Map<String, String> values = new LinkedHashMap<>();
        for (JsonNode v : dashboard.path("templating").path("list")) {
            List<List<String>> rows = run("variable " + v.path("name").asText(), expand(v.path("query").asText(), values));
            assertFalse(rows.isEmpty(), "variable " + v.path("name").asText() + " has no values");
            values.put(v.path("name").asText(), rows.get(0).get(0));
        }
        return values;
    }

    /**
     * The SQL Grafana's PostgreSQL data source sends: $__timeFilter(col) as col BETWEEN 'from' AND 'to',
     * $__timeFrom()/$__timeTo() as the bounds, $__interval_ms as a number, $name and ${name} as the variable's value.
     * Anything else starting with $ is reported.
     */
    static String expand(String sql, Map<String, String> variables) {
        String out = sql.replaceAll("\\$__timeFilter\\(([^)]+)\\)", "$1 BETWEEN '" + from + "' AND '" + to + "'")
                .replace("$__timeFrom()", "'" + from + "'")
                .replace("$__timeTo()", "'" + to + "'")
                .replace("$__interval_ms", Long.toString(INTERVAL_MS));
        for (Map.Entry<String, String> v : variables.entrySet()) {
            out = out.replace("${" + v.getKey() + "}", v.getValue()).replaceAll("\\$" + v.getKey() + "\\b",
                    Matcher.quoteReplacement(v.getValue()));
        }
        Matcher left = Pattern.compile("\\$\\S+").matcher(out);
        if (left.find()) {
            throw new IllegalArgumentException("not expanded: " + left.group() + " in\n" + sql);
        }
        return out;
    }

    /** Runs a query as Grafana's role; every row as strings. */
    static List<List<String>> run(String where, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(readerUrl); Statement s = c.createStatement()) {
            if (!s.execute(sql)) {
                return fail(where + ": not a query");
            }
            try (ResultSet rs = s.getResultSet()) {
                List<List<String>> rows = new ArrayList<>();
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= columns; i++) {
                        row.add(rs.getString(i));
                    }
                    rows.add(row);
                }
                return rows;
            }
        }
    }

    /** Every panel, also those inside collapsed rows. */
    static List<JsonNode> panels(JsonNode list, List<JsonNode> into) {
        for (JsonNode p : list) {
            if (p.path("type").asText().equals("row")) {
                panels(p.path("panels"), into);
            } else {
                into.add(p);
            }
        }
        return into;
    }
}
