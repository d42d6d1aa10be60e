package org.mambats.service.demo;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mambats.backtest.cli.BacktestCommand;
import org.mambats.ingest.broker.KafkaBroker;
import org.mambats.ingest.db.Database;
import org.mambats.ingest.sink.ForecastSink;
import org.mambats.ingest.stream.ForecastStreamApp;
import org.mambats.ingest.stream.StreamTopics;
import org.mambats.ingest.cli.ShutdownSignal;
import org.mambats.model.cli.TrainCommand;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.tick.TickCsv;
import org.mambats.model.tick.TickRow;
import org.mambats.service.ForecastService;
import org.mambats.service.metrics.ServiceMetrics;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./mamba-ts demo}: the whole platform on one machine, on the real Bitstamp trades. Trains a model on the first
 * part of the trades (once; reused on later runs), starts an embedded Kafka broker and an embedded PostgreSQL, runs
 * the stream and the sink, serves the dashboard, replays the trades (a stretch of history at full speed, then the
 * rest at a steady rate) and stores an out-of-sample backtest of the same model. Ctrl-C stops everything.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole platform locally on the real Bitstamp BTC/USD trades and serve the dashboard.",
                "Embedded Kafka broker and PostgreSQL, a model trained on the first trades (cached under --work-dir), the "
                        + "stream, the sink, a backtest, and the dashboard at http://127.0.0.1:PORT/. Ctrl-C stops it all."})
public class DemoCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "8080", description = "Dashboard and API port (default ${DEFAULT-VALUE}).")
    int port;
    @Option(names = "--rate", defaultValue = "25", description = "Replay speed after the history part, ticks per second (default ${DEFAULT-VALUE}).")
    double rate;
    @Option(names = "--train-ticks", defaultValue = "50000",
            description = "Train on this many first trades; the rest is out of sample (default ${DEFAULT-VALUE}).")
    int trainTicks;
    @Option(names = "--history-ticks", defaultValue = "6000",
            description = "Trades before the out-of-sample part replayed at full speed at start, so charts have a past (default ${DEFAULT-VALUE}).")
    int historyTicks;
    @Option(names = "--epochs", defaultValue = "20", description = "Training epochs of the demo model (default ${DEFAULT-VALUE}).")
    int epochs;
    @Option(names = "--checkpoint", description = "Use this trained model instead of training one.")
    Path checkpoint;
    @Option(names = "--work-dir", defaultValue = "work/demo",
            description = "Where the demo keeps its model, broker, database and state; all but the model start fresh on each run (default ${DEFAULT-VALUE}).")
    Path workDir;
    @Option(names = "--no-backtest", description = "Skip the backtest run.")
    boolean noBacktest;
    @Option(names = "--stop-after", description = "Stop by itself after this many seconds (default: run until Ctrl-C).")
    Long stopAfter;

    @Spec
    CommandSpec spec;
    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        if (!(rate > 0)) {
            throw new IllegalArgumentException("--rate must be positive");
        }
        Files.createDirectories(workDir);
        List<TickRow> rows = TickCsv.readAll("classpath:" + TickCsv.BITSTAMP_RESOURCE, TickCsv.DEFAULT_SYMBOL);
        if (trainTicks < 1000 || trainTicks >= rows.size() - 1000) {
            throw new IllegalArgumentException("--train-ticks must be between 1000 and " + (rows.size() - 1000));
        }
        Path modelDir = checkpoint != null ? checkpoint : trainIfNeeded(rows);
        ForecastModel model = ForecastModel.load(modelDir);

        for (String fresh : List.of("kafka", "postgres", "streams", "backtest")) {
            // Kafka's recursive delete (kafka-clients is a dependency already) rather than a tree walk of our own.
            org.apache.kafka.common.utils.Utils.delete(workDir.resolve(fresh).toFile());
        }
        List<AutoCloseable> running = new ArrayList<>(); // closed in reverse order
        ShutdownSignal signal = ShutdownSignal.install("demo", Duration.ofSeconds(60));
        try {
            step("starting PostgreSQL (embedded) and the Kafka broker (KRaft, child JVM)");
            Database db = Database.open(null, workDir.resolve("postgres"), 8);
            running.add(db);
            KafkaBroker broker = KafkaBroker.builder(workDir.resolve("kafka")).start();
            running.add(broker);
            String bootstrap = broker.bootstrapServers();
            StreamTopics topics = StreamTopics.DEFAULT;
            ForecastStreamApp.createTopics(bootstrap, topics, 3);
            out.printf("  PostgreSQL %s (%s path)%n  Kafka      %s%n", db.jdbcUrl(), db.timescale() ? "TimescaleDB" : "plain PostgreSQL", bootstrap);
            out.flush();

            step("starting the stream (Mamba operator, exactly-once) and the sink");
            ForecastStreamApp.Settings ss = new ForecastStreamApp.Settings();
            ss.bootstrap = bootstrap;
            ss.applicationId = "mamba-ts-demo-stream";
            ss.stateDir = workDir.resolve("streams");
            ForecastStreamApp stream = new ForecastStreamApp(model, ss);
            stream.start();
            running.add(stream);
            ForecastSink sink = new ForecastSink(new ForecastSink.Config(bootstrap, topics.forecasts(), topics.ticks(), "mamba-ts-demo-sink",
                    5000, 200, 5000), db.dataSource());
            Thread sinkThread = new Thread(sink, "demo-sink");
            sinkThread.start();
            running.add(() -> {
                sink.stop();
                sink.awaitTermination(Duration.ofSeconds(20));
            });
            if (!stream.awaitRunning(Duration.ofMinutes(2))) {
                throw new IllegalStateException("the stream did not reach RUNNING: " + stream.streams().state());
            }

            ServiceMetrics metrics = new ServiceMetrics().bindOperator(stream.counters()).bindSink(sink);
            ForecastService service = ForecastService.start(db, ForecastService.Settings.local(port, bootstrap)
                    .withGroups(ss.applicationId, "mamba-ts-demo-sink"), metrics);
            running.add(service);
            service.describe(model); // the model line says whether it beat the baseline

            int liveFrom = trainTicks;
            int historyFrom = Math.max(0, liveFrom - historyTicks);
            TickReplay replay = new TickReplay(bootstrap, topics.ticks(), rows.subList(historyFrom, rows.size()), liveFrom - historyFrom, rate);
            Thread replayThread = new Thread(replay, "demo-replay");
            replayThread.start();
            running.add(() -> {
                replay.stop();
                replayThread.join(5000);
            });
            step(String.format(Locale.ROOT, "replaying Bitstamp trades: %,d of history at full speed, then %,d at %.0f ticks/s",
                    liveFrom - historyFrom, rows.size() - liveFrom, rate));

            if (!noBacktest) {
                Thread bt = new Thread(() -> runBacktest(modelDir, db.jdbcUrl(), rows.get(liveFrom)), "demo-backtest");
                bt.setDaemon(true);
                bt.setPriority(Thread.MIN_PRIORITY);
                bt.start();
            }

            out.println();
            out.println("  dashboard:  http://127.0.0.1:" + service.port() + "/");
            out.println("  API:        http://127.0.0.1:" + service.port() + "/openapi.json   metrics: /metrics   health: /health");
            out.println("  Ctrl-C stops everything.");
            out.println();
            out.flush();
            long started = System.nanoTime();
            while (!signal.await(Duration.ofSeconds(10))) {
                out.printf(Locale.ROOT, "demo: published %,d/%,d ticks; %s; sink wrote %,d rows%n", replay.published() + historyFrom,
                        rows.size(), stream.counters(), sink.written());
                out.flush();
                if (replay.failure() != null) {
                    throw new IllegalStateException("replay failed: " + replay.failure().getMessage(), replay.failure());
                }
                if (sink.failure() != null) {
                    throw new IllegalStateException("sink failed: " + sink.failure().getMessage(), sink.failure());
                }
                if (stopAfter != null && System.nanoTime() - started > stopAfter * 1_000_000_000L) {
                    break;
                }
            }
            step("stopping");
            return 0;
        } finally {
            for (int i = running.size() - 1; i >= 0; i--) {
                try {
                    running.get(i).close();
                } catch (Exception e) {
                    System.err.println("demo: while stopping: " + e);
                }
            }
            signal.closed();
        }
    }

    /** Trains the demo model on the first trades, unless a model from an earlier run is there. */
    private Path trainIfNeeded(List<TickRow> rows) throws IOException {
        Path dir = workDir.resolve("model-" + trainTicks + "-" + epochs);
        if (Files.exists(dir.resolve("config.json"))) {
            try {
                ForecastModel.load(dir);
                step("using the model trained by an earlier run: " + dir + " (delete it to train again)");
                return dir;
            } catch (IOException | RuntimeException e) {
                step("the model in " + dir + " cannot be loaded (" + e.getMessage() + "); training again");
            }
        }
        Path csv = workDir.resolve("train-" + trainTicks + ".csv");
        copyFirstRows(csv, trainTicks);
        step(String.format(Locale.ROOT, "training the demo model on the first %,d Bitstamp trades (%s to %s), %d epochs", trainTicks,
                Instant.ofEpochMilli(rows.get(0).tick().timeMillis()), Instant.ofEpochMilli(rows.get(trainTicks - 1).tick().timeMillis()), epochs));
        int rc = new CommandLine(new TrainCommand()).execute("--data", csv.toString(), "--out", dir.toString(), "--epochs",
                Integer.toString(epochs), "--name", "demo-bitstamp");
        if (rc != 0) {
            throw new IllegalStateException("training failed (exit " + rc + ")");
        }
        return dir;
    }

    /** The header and the first {@code n} trades of the shipped Bitstamp file, as a CSV file of the same format. */
    private static void copyFirstRows(Path csv, int n) throws IOException {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(TickCsv.open("classpath:" + TickCsv.BITSTAMP_RESOURCE),
                StandardCharsets.UTF_8)); BufferedWriter w = Files.newBufferedWriter(csv)) {
            String line;
            for (int i = 0; i <= n && (line = r.readLine()) != null; i++) {
                w.write(line);
                w.newLine();
            }
        }
    }

    /** A checkpoint-mode backtest of the demo model, scored on the out-of-sample trades only, stored for the dashboard. */
    private void runBacktest(Path modelDir, String jdbcUrl, TickRow firstOutOfSample) {
        String evalFrom = Long.toString(firstOutOfSample.tick().timeMillis());
        int rc = new CommandLine(new BacktestCommand()).execute("--checkpoint", modelDir.toString(), "--data",
                "classpath:" + TickCsv.BITSTAMP_RESOURCE, "--eval-from", evalFrom, "--baselines", "no-change,ewma,ar",
                "--report", workDir.resolve("backtest").toString(), "--jdbc-url", jdbcUrl, "--quiet");
        out.println(rc == 0 ? "demo: backtest stored (out of sample, from " + Instant.ofEpochMilli(Long.parseLong(evalFrom))
                + "); see the dashboard's backtest panel" : "demo: the backtest failed (exit " + rc + "); the rest runs on");
        out.flush();
    }

    private void step(String what) {
        out.println("demo: " + what);
        out.flush();
    }
}
