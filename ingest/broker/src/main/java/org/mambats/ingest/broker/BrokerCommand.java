package org.mambats.ingest.broker;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mamba-ts broker}: runs a single-node Kafka broker (KRaft, broker+controller) in the foreground until Ctrl-C.
 */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = {
            "Runs a single-node Apache Kafka broker (KRaft mode, broker+controller in one node) on 127.0.0.1 "
                    + "in the foreground, from Kafka's own jars, until Ctrl-C.",
            "The data directory is formatted on first use and kept across restarts. "
                    + "Prints the bootstrap address as a line 'bootstrap.servers=HOST:PORT'."})
public final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "9092",
            description = "Client (PLAINTEXT) port on 127.0.0.1; 0 = a free port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--controller-port", paramLabel = "PORT", defaultValue = "0",
            description = "KRaft controller port; 0 = the one used last time in this directory if free, else a free port "
                    + "(default: ${DEFAULT-VALUE}).")
    int controllerPort;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "./work/kafka",
            description = "Data directory: config, logs, KRaft metadata (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--sasl-user", paramLabel = "NAME=PASSWORD",
            description = "Also listen, on a free port, for clients that log in with SASL/PLAIN as one of these users "
                    + "(repeatable); a client properties file per user is written to the data directory, for trying "
                    + "--kafka-config against a broker that needs a login.")
    Map<String, String> saslUsers = new LinkedHashMap<>();

    @Option(names = "--child-jvm",
            description = "Run the broker in a separate child JVM instead of inside this one.")
    boolean childJvm;

    @Spec
    CommandSpec spec;

    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private volatile KafkaBroker running;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        KafkaBroker broker = KafkaBroker.builder(dir)
                .port(port)
                .controllerPort(controllerPort)
                .inProcess(!childJvm)
                .saslPlainUsers(saslUsers)
                .build();
        try {
            broker.start();
        } catch (KafkaBroker.BrokerException e) {
            err.println("mamba-ts broker: " + e.getMessage());
            err.flush();
            return 1;
        }
        running = broker;
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            // Ctrl-C / SIGTERM: stop cleanly before the JVM goes away.
            stopRequested.countDown();
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "mambats-broker-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        out.printf("Kafka broker (KRaft broker+controller, node %d, cluster %s) started in %.1f s%s%n",
                KafkaBroker.NODE_ID, broker.clusterId(), broker.lastStartupTime().toMillis() / 1000.0,
                broker.pid().isPresent() ? " as pid " + broker.pid().getAsLong() : "");
        out.println("  data directory: " + broker.dataDir());
        out.println("bootstrap.servers=" + broker.bootstrapServers());
        for (String user : saslUsers.keySet()) {
            Path file = writeClientProperties(broker.dataDir(), user, saslUsers.get(user));
            out.println("  SASL/PLAIN login as " + user + ": --bootstrap " + broker.saslBootstrapServers() + " --kafka-config " + file);
        }
        out.println("Press Ctrl-C to stop.");
        out.flush();
        try {
            stopRequested.await();
        } finally {
            err.println("mamba-ts broker: stopping ...");
            err.flush();
            try {
                broker.close();
                err.println("mamba-ts broker: stopped");
                err.flush();
            } finally {
                running = null;
                stopped.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // Already in shutdown (Ctrl-C): the hook is running and waits for 'stopped'.
                }
            }
        }
        return 0;
    }

    /** The client settings for logging in as {@code user} on the SASL listener, as a file for --kafka-config. */
    static Path writeClientProperties(Path dataDir, String user, String password) throws java.io.IOException {
        Path file = dataDir.resolve("client-" + user + ".properties");
        java.nio.file.Files.writeString(file, "# Written by mamba-ts broker --sasl-user: log in as " + user + "\n"
                + "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";\n");
        return file;
    }

    /** The running broker, or null before it is ready and after it stopped. For tests and embedding. */
    KafkaBroker runningBroker() {
        return running;
    }

    /** Asks a running {@link #call()} to stop the broker and return, as Ctrl-C would. */
    void requestStop() {
        stopRequested.countDown();
    }
}
