package org.mambats.ingest.sink;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.mambats.ingest.db.Database;
import org.mambats.model.forecast.Forecast;
import org.postgresql.PGConnection;

/**
 * Rows per second into PostgreSQL: the sink's batch writer (forecast objects to CSV, COPY in a transaction with the
 * offset upsert, one transaction per batch) next to a plain {@code COPY ... FROM STDIN} of the same rows from a CSV
 * file written beforehand (the limit), in the same run, into fresh tables of the same shape as {@code forecasts}.
 */
public final class SinkBenchmark {
    private SinkBenchmark() {
    }

    /** The two figures; {@code ratio} = sink / copy. */
    public record Result(int rows, int batchSize, double sinkRowsPerSecond, double copyRowsPerSecond) {
        public double ratio() {
            return sinkRowsPerSecond / copyRowsPerSecond;
        }

        @Override
        public String toString() {
            return String.format("sink %.0f rows/s (batches of %d, one transaction each), COPY from file %.0f rows/s, "
                    + "ratio %.2f (%d rows)", sinkRowsPerSecond, batchSize, copyRowsPerSecond, ratio(), rows);
        }
    }

    /**
     * For {@code ./mamba-ts bench}: an embedded PostgreSQL in a temporary folder, 300,000 rows (100,000 when quick),
     * batches of 5000; prints and returns both figures.
     */
    public static Result run(java.io.PrintStream out, boolean quick) throws IOException, SQLException {
        Path tmp = Files.createTempDirectory("mamba-ts-sink-bench");
        try {
            Result r = measure(null, tmp, quick ? 100_000 : 300_000, 5000);
            out.println("sink into PostgreSQL: " + r);
            return r;
        } finally {
            org.apache.kafka.common.utils.Utils.delete(tmp.toFile());
        }
    }

    /** Runs the measurement against an embedded PostgreSQL under {@code dataDir} (or {@code jdbcUrl} when given). */
    public static Result measure(String jdbcUrl, Path dataDir, int rows, int batchSize) throws IOException, SQLException {
        try (Database db = Database.open(jdbcUrl, dataDir, 2)) {
            return measure(db.dataSource(), rows, batchSize, dataDir);
        }
    }

    /** Runs the measurement on a migrated database; {@code scratch} holds the CSV file. Best of three rounds each. */
    public static Result measure(DataSource ds, int rows, int batchSize, Path scratch) throws IOException, SQLException {
        List<Forecast> data = forecasts(rows, 20240101L);
        Files.createDirectories(scratch);
        Path csv = Files.createTempFile(scratch, "bench-forecasts", ".csv");
        try {
            try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
                StringBuilder sb = new StringBuilder(256);
                for (Forecast f : data) {
                    sb.setLength(0);
                    BatchWriter.appendForecastCsv(sb, f);
                    w.append(sb);
                }
            }
            double bestSink = 0;
            double bestCopy = 0;
            for (int round = 0; round < 3; round++) {
                bestCopy = Math.max(bestCopy, copyRound(ds, csv, rows));
                bestSink = Math.max(bestSink, sinkRound(ds, data, batchSize));
            }
            return new Result(rows, batchSize, bestSink, bestCopy);
        } finally {
            Files.deleteIfExists(csv);
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS bench CASCADE");
                s.execute("DELETE FROM sink_offsets WHERE group_id = 'bench'");
            }
        }
    }

    private static void freshTable(Connection c, String name) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS bench");
            s.execute("DROP TABLE IF EXISTS bench." + name);
            s.execute("CREATE TABLE bench." + name + " (LIKE public.forecasts INCLUDING ALL)");
            s.execute("DELETE FROM sink_offsets WHERE group_id = 'bench'");
        }
    }

    private static double copyRound(DataSource ds, Path csv, int rows) throws SQLException, IOException {
        try (Connection c = ds.getConnection()) {
            freshTable(c, "forecasts_copy");
            long t0 = System.nanoTime();
            long n;
            try (InputStream in = Files.newInputStream(csv)) {
                n = c.unwrap(PGConnection.class).getCopyAPI().copyIn(
                        "COPY bench.forecasts_copy (" + BatchWriter.FORECAST_COLUMNS + ") FROM STDIN (FORMAT csv)", in);
            }
            double s = (System.nanoTime() - t0) / 1e9;
            if (n != rows) {
                throw new IllegalStateException("COPY stored " + n + " rows, expected " + rows);
            }
            return rows / s;
        }
    }

    private static double sinkRound(DataSource ds, List<Forecast> data, int batchSize) throws SQLException {
        try (Connection c = ds.getConnection()) {
            freshTable(c, "forecasts_sink");
        }
        BatchWriter writer = new BatchWriter("bench.forecasts_sink", "ticks");
        TopicPartition tp = new TopicPartition("bench-forecasts", 0);
        long stored = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < data.size(); i += batchSize) {
            List<Forecast> batch = data.subList(i, Math.min(data.size(), i + batchSize));
            try (Connection c = ds.getConnection()) {
                stored += writer.write(c, batch, List.of(), "bench", Map.of(tp, (long) i + batch.size()));
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        if (stored != data.size()) {
            throw new IllegalStateException("the sink stored " + stored + " rows, expected " + data.size());
        }
        return data.size() / s;
    }

    /** Synthetic forecasts: 8 symbols, 3 horizons, quantiles 0.1/0.5/0.9, reproducible from the seed. */
    public static List<Forecast> forecasts(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        String[] horizons = {"1tick", "10s", "60s"};
        float[] levels = Forecast.standardLevels();
        List<Forecast> out = new ArrayList<>(n);
        long t = 1_700_000_000_000L;
        for (int i = 0; i < n; i++) {
            String symbol = "SYM" + (i % 8);
            long seq = i / 24;
            String h = horizons[(i / 8) % 3];
            float m = (float) (rnd.nextGaussian() * 1e-3);
            float w = (float) (1e-3 + rnd.nextDouble() * 1e-3);
            out.add(new Forecast(symbol, t + seq * 250, 100 + rnd.nextDouble(), seq, h, levels.clone(),
                    new float[] {m - w, m, m + w}, "mamba", "v1"));
        }
        return out;
    }
}
