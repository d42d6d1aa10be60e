package org.mambats.ingest.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;

/**
 * A real single-node Apache Kafka broker in KRaft combined mode ({@code process.roles=broker,controller}), run from
 * Kafka's own jars on our class path, listening on 127.0.0.1 only. Used by integration tests, benchmarks, the demo and
 * {@code mamba-ts broker}.
 *
 * <p>Layout of the data directory (everything the broker needs; restarting on the same directory keeps all topics):
 * <pre>
 *   server.properties          rewritten on every start (ports may change); see {@link #serverProperties()}
 *   log4j2.properties          WARN-level log4j2 config handed to the child JVM
 *   mambats-broker.properties  cluster id and the ports last used (reused when the requested port is 0)
 *   broker.log                 the child JVM's stdout+stderr (child mode only)
 *   data/                      log.dirs and the KRaft metadata log; formatted by Kafka's StorageTool on first start
 * </pre>
 *
 * <p>Two modes:
 * <ul>
 *   <li>{@link Mode#CHILD_JVM}: {@code java -cp <our class path> org.mambats.ingest.broker.BrokerMain server.properties},
 *   where {@link BrokerMain} only arms a watchdog (the broker exits when this JVM dies) and then calls
 *   {@code kafka.Kafka.main}. The child can be stopped cleanly ({@link #stop()}, SIGTERM) or killed
 *   ({@link #kill()}, SIGKILL) independently of the JVM that started it.</li>
 *   <li>{@link Mode#IN_PROCESS}: a {@code kafka.server.KafkaRaftServer} inside this JVM.</li>
 * </ul>
 *
 * <p>Usage:
 * <pre>{@code
 * try (KafkaBroker broker = KafkaBroker.builder(dir).port(0).start()) {
 *     broker.createTopics("ticks", 3);
 *     String bootstrap = broker.bootstrapServers();
 *     ...
 * }
 * }</pre>
 *
 * <p>A stopped broker may be started again with {@link #start()}; the ports are kept, so clients that keep running
 * across a broker restart reconnect by themselves.
 */
public final class KafkaBroker implements AutoCloseable {

    /** How the broker process runs. */
    public enum Mode {
        /** A separate JVM, a child of this one: can be killed independently; dies with this JVM. */
        CHILD_JVM,
        /** Inside this JVM. */
        IN_PROCESS
    }

    /** The node id of the only node (broker and controller at once). */
    public static final int NODE_ID = 1;
    /** The host every listener binds to and advertises. */
    public static final String HOST = "127.0.0.1";

    /**
     * Default child JVM options: a small heap and a JVM tuned for start-up time. Benchmarks that load the broker hard
     * may want to drop {@code -XX:TieredStopAtLevel=1} (C1 only) via {@link Builder#childJvmOptions(List)}.
     */
    public static final List<String> DEFAULT_CHILD_JVM_OPTIONS = List.of(
            "-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
            "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true");

    /**
     * Child JVM options for benchmarks: full JIT (C2) and Kafka's own G1 settings from kafka-run-class.sh. Start-up is
     * about 0.3 s slower than with {@link #DEFAULT_CHILD_JVM_OPTIONS}.
     */
    public static final List<String> BENCHMARK_CHILD_JVM_OPTIONS = List.of(
            "-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
            "-XX:InitiatingHeapOccupancyPercent=35", "-XX:-UsePerfData", "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true");

    static final String SERVER_PROPERTIES = "server.properties";
    static final String LOG4J2_PROPERTIES = "log4j2.properties";
    static final String STATE_PROPERTIES = "mambats-broker.properties";
    static final String CHILD_LOG = "broker.log";
    static final String LOG_DIR = "data";

    private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);

    private final Path dataDir;
    private final Mode mode;
    private final int requestedPort;
    private final int requestedControllerPort;
    private final Map<String, String> overrides;
    private final List<String> childJvmOptions;
    private final String childClasspath;
    private final Duration startupTimeout;
    private final Duration shutdownTimeout;

    // State of the running broker; guarded by this.
    private int port;
    private int controllerPort;
    /** The SASL_PLAINTEXT client port, 0 without {@link Builder#saslPlainUsers}. */
    private int saslPort;
    private final Map<String, String> saslUsers;
    private String clusterId;
    private Process process;
    private KafkaRaftServer server;
    private Admin admin;
    private Duration lastStartup;

    private KafkaBroker(Builder b) {
        this.dataDir = b.dataDir.toAbsolutePath().normalize();
        this.mode = b.mode;
        this.requestedPort = b.port;
        this.requestedControllerPort = b.controllerPort;
        this.overrides = Map.copyOf(b.overrides);
        this.saslUsers = Map.copyOf(b.saslUsers);
        this.childJvmOptions = List.copyOf(b.childJvmOptions);
        this.childClasspath = b.classpath != null ? b.classpath : System.getProperty("java.class.path");
        this.startupTimeout = b.startupTimeout;
        this.shutdownTimeout = b.shutdownTimeout;
    }

    /** A builder for a broker that keeps its data in {@code dataDir} (created if missing). */
    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    /**
     * Starts the broker: writes the config, formats the storage on first use, launches the broker and waits until an
     * AdminClient's describeCluster succeeds. Returns {@code this}. Starting a running broker is a no-op.
     *
     * @throws BrokerException if the broker does not come up within the start-up timeout (it is stopped again)
     */
    public synchronized KafkaBroker start() {
        if (isRunning()) {
            return this;
        }
        if (process != null) { // the child JVM died on its own (or was killed from outside)
            log.warn("Kafka broker JVM pid {} had exited with code {}; starting it again",
                    process.pid(), process.exitValue());
            process = null;
            closeAdmin();
        }
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(dataDir.resolve(LOG_DIR));
            BrokerLogging.quietBrokerLoggers();
            Properties state = loadState();
            port = choosePort(requestedPort, state.getProperty("port"), -1);
            controllerPort = choosePort(requestedControllerPort, state.getProperty("controller.port"), port);
            saslPort = saslUsers.isEmpty() ? 0 : chooseSaslPort();
            Properties props = brokerProperties();
            writeProperties(serverProperties(), props,
                    "Written by " + KafkaBroker.class.getName() + " on every start; edits are overwritten.");
            writeLog4j2Config(dataDir.resolve(LOG4J2_PROPERTIES));
            clusterId = formatIfNeeded(state.getProperty("cluster.id"));
            state.setProperty("cluster.id", clusterId);
            state.setProperty("port", Integer.toString(port));
            state.setProperty("controller.port", Integer.toString(controllerPort));
            writeProperties(dataDir.resolve(STATE_PROPERTIES), state, "Kept across restarts by KafkaBroker");
        } catch (IOException e) {
            throw new BrokerException("Cannot prepare Kafka data directory " + dataDir, e);
        }

        long deadline = System.nanoTime() + startupTimeout.toNanos();
        try {
            if (mode == Mode.CHILD_JVM) {
                launchChild();
            } else {
                launchInProcess();
            }
            awaitReady(deadline);
        } catch (RuntimeException | Error e) {
            String tail = mode == Mode.CHILD_JVM ? childLogTail(4000) : "";
            stopQuietly();
            if (e instanceof BrokerException be && tail.isEmpty()) {
                throw be;
            }
            throw new BrokerException("Kafka broker in " + dataDir + " failed to start: " + e.getMessage()
                    + (tail.isEmpty() ? "" : "\n--- tail of " + childLog() + " ---\n" + tail), e);
        }
        lastStartup = Duration.ofNanos(System.nanoTime() - t0);
        log.info("Kafka broker ({}, cluster {}) ready at {} in {} ms; data in {}",
                mode == Mode.CHILD_JVM ? "child JVM pid " + process.pid() : "in-process", clusterId,
                bootstrapServers(), lastStartup.toMillis(), dataDir);
        return this;
    }

    /**
     * Stops the broker cleanly (child JVM: SIGTERM, then wait; in-process: shutdown and wait). Kafka's controlled
     * shutdown flushes and closes every log, so a restart on the same directory needs no recovery. A stopped broker
     * can be started again. Stopping a stopped broker is a no-op.
     */
    public synchronized void stop() {
        closeAdmin();
        if (process != null) {
            Process p = process;
            process = null;
            p.destroy(); // SIGTERM: kafka.Kafka's shutdown hook runs a controlled shutdown
            try {
                if (!p.waitFor(shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.warn("Kafka broker pid {} did not stop within {}; killing it", p.pid(), shutdownTimeout);
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (server != null) {
            KafkaRaftServer s = server;
            server = null;
            s.shutdown();
            s.awaitShutdown();
        }
    }

    /**
     * Kills the child JVM with SIGKILL (no controlled shutdown: the next start recovers the logs), and waits until it
     * is gone. Only for {@link Mode#CHILD_JVM}.
     */
    public synchronized void kill() {
        if (mode != Mode.CHILD_JVM) {
            throw new UnsupportedOperationException("kill() needs Mode.CHILD_JVM; this broker runs in-process");
        }
        closeAdmin();
        if (process != null) {
            Process p = process;
            process = null;
            p.destroyForcibly();
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** True while the broker is started (for a child JVM: while the process is alive). */
    public synchronized boolean isRunning() {
        return (process != null && process.isAlive()) || server != null;
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** {@code 127.0.0.1:<port>}, for {@code bootstrap.servers}. Valid once started. */
    public synchronized String bootstrapServers() {
        requireStartedOnce();
        return HOST + ":" + port;
    }

    /**
     * {@code 127.0.0.1:<port>} of the listener that requires SASL/PLAIN logins (security.protocol SASL_PLAINTEXT) from
     * the users given to {@link Builder#saslPlainUsers}. Valid once started.
     */
    public synchronized String saslBootstrapServers() {
        requireStartedOnce();
        if (saslPort == 0) {
            throw new IllegalStateException("this broker has no SASL listener; see Builder.saslPlainUsers");
        }
        return HOST + ":" + saslPort;
    }

    /** The PLAINTEXT (client) port. Valid once started. */
    public synchronized int port() {
        requireStartedOnce();
        return port;
    }

    /** The CONTROLLER (KRaft quorum) port. Valid once started. */
    public synchronized int controllerPort() {
        requireStartedOnce();
        return controllerPort;
    }

    /** The KRaft cluster id, fixed when the directory was first formatted. Valid once started. */
    public synchronized String clusterId() {
        requireStartedOnce();
        return clusterId;
    }

    public Mode mode() {
        return mode;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The server.properties the broker was (last) started with. */
    public Path serverProperties() {
        return dataDir.resolve(SERVER_PROPERTIES);
    }

    /** Where a child JVM's stdout and stderr go (WARN and above only). */
    public Path childLog() {
        return dataDir.resolve(CHILD_LOG);
    }

    /** The child JVM's pid while it runs; empty in-process or when stopped. */
    public synchronized OptionalLong pid() {
        return process != null ? OptionalLong.of(process.pid()) : OptionalLong.empty();
    }

    /** Wall time of the last {@link #start()} (config, format if needed, launch, wait until ready). */
    public synchronized Duration lastStartupTime() {
        return lastStartup;
    }

    // ------------------------------------------------------------------------------------------------ topics

    /**
     * Creates a topic with {@code partitions} partitions (replication factor 1) unless it exists already, and waits
     * until every partition has a leader.
     */
    public void createTopics(String name, int partitions) {
        createTopics(List.of(new NewTopic(name, partitions, (short) 1)));
    }

    /** Creates each topic with {@code partitions} partitions (replication factor 1) unless it exists already. */
    public void createTopics(int partitions, String... names) {
        List<NewTopic> topics = new ArrayList<>();
        for (String name : names) {
            topics.add(new NewTopic(name, partitions, (short) 1));
        }
        createTopics(topics);
    }

    /**
     * Creates the topics (use replication factor 1 or {@code Optional.empty()}); topics that exist already are left
     * as they are. Waits until every partition of every topic has a leader.
     */
    public void createTopics(Collection<NewTopic> topics) {
        Admin a = admin();
        try {
            Map<String, KafkaFuture<Void>> results = a.createTopics(topics).values();
            for (Map.Entry<String, KafkaFuture<Void>> e : results.entrySet()) {
                try {
                    e.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw new BrokerException("Cannot create topic " + e.getKey() + ": " + ex.getCause(), ex);
                    }
                }
            }
            List<String> names = topics.stream().map(NewTopic::name).toList();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                boolean allLed;
                try {
                    Map<String, TopicDescription> d = a.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
                    allLed = d.values().stream()
                            .allMatch(t -> t.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                } catch (ExecutionException ex) {
                    // Right after creation the metadata may not know the topic yet: ask again until the deadline.
                    if (!(ex.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                        throw ex;
                    }
                    allLed = false;
                }
                if (allLed) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new BrokerException("Topics " + names + " have partitions without a leader after 30 s");
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerException("Interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new BrokerException("Cannot create topics " + topics + ": " + e, e);
        }
    }

    /**
     * The broker's shared AdminClient (created on first use, closed by {@link #stop()}). Do not close it yourself;
     * use {@link #newAdmin()} for one of your own.
     */
    public synchronized Admin admin() {
        if (!isRunning()) {
            throw new IllegalStateException("Kafka broker in " + dataDir + " is not running");
        }
        if (admin == null) {
            admin = newAdmin();
        }
        return admin;
    }

    /** A new AdminClient for this broker; the caller closes it. */
    public Admin newAdmin() {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        cfg.put(AdminClientConfig.CLIENT_ID_CONFIG, "mambats-broker-admin");
        cfg.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        cfg.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        cfg.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        return Admin.create(cfg);
    }

    // ------------------------------------------------------------------------------------------------ config

    /**
     * The broker configuration for the current ports, including {@link Builder#brokerProperty overrides}. Retention:
     * time-based retention is off ({@code log.retention.ms=-1}) because replayed market data carries historical
     * record timestamps that time-based retention would delete at once; size-based retention caps each partition.
     */
    Properties brokerProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        // KRaft, one node that is both broker and controller, with a static single-voter quorum.
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        if (saslPort != 0) {
            // A second client listener that admits only SASL/PLAIN logins, as a secured cluster would; the broker
            // itself keeps talking PLAINTEXT.
            p.put("listeners", p.get("listeners") + ",SASL_PLAINTEXT://" + HOST + ":" + saslPort);
            p.put("advertised.listeners", p.get("advertised.listeners") + ",SASL_PLAINTEXT://" + HOST + ":" + saslPort);
            p.put("listener.security.protocol.map", p.get("listener.security.protocol.map") + ",SASL_PLAINTEXT:SASL_PLAINTEXT");
            p.put("sasl.enabled.mechanisms", "PLAIN");
            StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
            saslUsers.forEach((user, password) -> jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
            p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas.append(';').toString());
        }
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("log.dirs", dataDir.resolve(LOG_DIR).toString());
        // One broker: every replication factor and min ISR is 1, so exactly_once_v2 (transactions) works.
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "8");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "8");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // A restarted node must wait out its own previous registration's session before it may register again
        // (after a kill -9; a clean stop deregisters): 3 s instead of 9 s.
        p.put("broker.session.timeout.ms", "3000");
        p.put("broker.heartbeat.interval.ms", "500");
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "1");
        // Small segments, size-capped retention, no time-based deletion (historical timestamps).
        p.put("log.segment.bytes", Integer.toString(16 << 20));
        p.put("log.index.size.max.bytes", Integer.toString(1 << 20));
        p.put("log.retention.ms", "-1");
        p.put("log.retention.bytes", Long.toString(256L << 20));
        p.put("log.retention.check.interval.ms", "60000");
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 << 20));
        // Two cores: fewer threads than the defaults.
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("background.threads", "4");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.putAll(overrides);
        Properties props = new Properties();
        props.putAll(p);
        return props;
    }

    private String formatIfNeeded(String knownClusterId) throws IOException {
        Path meta = dataDir.resolve(LOG_DIR).resolve("meta.properties");
        if (Files.exists(meta)) {
            Properties m = new Properties();
            try (InputStream in = Files.newInputStream(meta)) {
                m.load(in);
            }
            String id = m.getProperty("cluster.id");
            if (id == null) {
                throw new BrokerException(meta + " has no cluster.id; delete " + dataDir + " to start afresh");
            }
            return id;
        }
        String id = knownClusterId != null ? knownClusterId : Uuid.randomUuid().toString();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String[] args = {"format", "--cluster-id", id, "--config", serverProperties().toString()};
        int rc;
        try (PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            rc = StorageTool.execute(args, ps);
        } catch (RuntimeException e) {
            throw new BrokerException("kafka-storage format failed in " + dataDir + ": " + e.getMessage()
                    + "\n" + out.toString(StandardCharsets.UTF_8), e);
        }
        if (rc != 0) {
            throw new BrokerException("kafka-storage format failed in " + dataDir + " (exit " + rc + "):\n"
                    + out.toString(StandardCharsets.UTF_8));
        }
        log.debug("Formatted {}: {}", dataDir, out.toString(StandardCharsets.UTF_8).trim());
        return id;
    }

    private static void writeLog4j2Config(Path file) throws IOException {
        String cfg = String.join("\n",
                "# log4j2 configuration for the mamba-ts Kafka broker: warnings and errors only.",
                "# Kafka 4 logs through slf4j; this file takes effect where slf4j is bound to log4j2",
                "# (log4j-slf4j2-impl) and for Kafka's direct log4j-core use (LoggingController).",
                "name = mamba-ts-broker",
                "appender.console.type = Console",
                "appender.console.name = STDOUT",
                "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = WARN",
                "rootLogger.appenderRef.stdout.ref = STDOUT",
                "logger.kafka.name = kafka",
                "logger.kafka.level = WARN",
                "logger.apache.name = org.apache.kafka",
                "logger.apache.level = WARN",
                "logger.statechange.name = state.change.logger",
                "logger.statechange.level = WARN",
                "");
        Files.writeString(file, cfg, StandardCharsets.UTF_8);
    }

    private Properties loadState() throws IOException {
        Properties state = new Properties();
        Path f = dataDir.resolve(STATE_PROPERTIES);
        if (Files.exists(f)) {
            try (InputStream in = Files.newInputStream(f)) {
                state.load(in);
            }
        }
        return state;
    }

    private static void writeProperties(Path file, Properties props, String comment) throws IOException {
        // Sorted, so the file diffs nicely between starts.
        StringBuilder sb = new StringBuilder("# ").append(comment).append('\n');
        new TreeMap<>(props).forEach((k, v) -> sb.append(k).append('=')
                .append(v.toString().replace("\\", "\\\\")).append('\n'));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, sb.toString(), StandardCharsets.ISO_8859_1);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /** The requested port, else the port used last time if it is still free, else a free port. */
    private static int choosePort(int requested, String previous, int avoid) {
        if (requested != 0) {
            if (requested == avoid) {
                throw new BrokerException("The client and controller ports must differ: " + requested);
            }
            if (!isFree(requested)) {
                throw new BrokerException("Port " + requested + " on " + HOST + " is already in use"
                        + " (another Kafka broker?); choose another port, or 0 for a free one");
            }
            return requested;
        }
        if (previous != null) {
            int prev = Integer.parseInt(previous);
            if (prev != avoid && isFree(prev)) {
                return prev;
            }
        }
        for (int i = 0; i < 10; i++) {
            int p = freePort();
            if (p != avoid) {
                return p;
            }
        }
        throw new BrokerException("No free port on " + HOST);
    }

    private int chooseSaslPort() {
        for (int i = 0; i < 10; i++) {
            int p = freePort();
            if (p != port && p != controllerPort) {
                return p;
            }
        }
        throw new BrokerException("No free port on " + HOST);
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(HOST), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------------------------------------ launching

    private void launchChild() {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin.toString());
        cmd.addAll(childJvmOptions);
        cmd.add("-Dlog4j2.configurationFile=" + dataDir.resolve(LOG4J2_PROPERTIES).toUri());
        // Kafka logs through slf4j; if slf4j-simple is the binding on our class path, keep it at WARN as well.
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        cmd.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
        cmd.add("-D" + BrokerMain.PARENT_PID_PROPERTY + "=" + ProcessHandle.current().pid());
        cmd.add("-cp");
        cmd.add(childClasspath);
        cmd.add(BrokerMain.class.getName());
        cmd.add(serverProperties().toString());
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(dataDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(childLog().toFile()));
        try {
            Files.writeString(childLog(), "=== " + Instant.now() + " starting Kafka broker on port " + port
                            + " (controller " + controllerPort + ")\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            process = pb.start();
        } catch (IOException e) {
            throw new BrokerException("Cannot launch " + javaBin, e);
        }
    }

    private void launchInProcess() {
        Properties props = brokerProperties();
        KafkaRaftServer s = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
        server = s; // set first, so a failed start-up is shut down by stopQuietly()
        s.startup();
    }

    private void awaitReady(long deadlineNanos) {
        // 1. The client port accepts connections (avoids a burst of client-side connection warnings).
        while (!canConnect(port)) {
            checkAlive();
            checkDeadline(deadlineNanos, "port " + port + " to open");
            sleep(50);
        }
        // 2. The broker answers describeCluster with itself in the cluster (it is registered and unfenced).
        Admin a = admin();
        Exception last = null;
        while (true) {
            checkAlive();
            try {
                var nodes = a.describeCluster(new DescribeClusterOptions().timeoutMs(2_000)).nodes()
                        .get(3, TimeUnit.SECONDS);
                if (!nodes.isEmpty()) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BrokerException("Interrupted while waiting for the Kafka broker", e);
            } catch (ExecutionException | TimeoutException e) {
                last = e;
            }
            if (System.nanoTime() > deadlineNanos) {
                throw new BrokerException("Kafka broker not ready after " + startupTimeout
                        + " (describeCluster: " + last + ")");
            }
            sleep(50);
        }
    }

    private void checkAlive() {
        if (process != null && !process.isAlive()) {
            throw new BrokerException("Kafka broker JVM exited with code " + process.exitValue());
        }
    }

    private void checkDeadline(long deadlineNanos, String what) {
        if (System.nanoTime() > deadlineNanos) {
            throw new BrokerException("Timed out after " + startupTimeout + " waiting for " + what);
        }
    }

    private static boolean canConnect(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerException("Interrupted while waiting for the Kafka broker", e);
        }
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException e) {
            log.warn("Error stopping Kafka broker in {}", dataDir, e);
        }
    }

    private synchronized void closeAdmin() {
        if (admin != null) {
            try {
                admin.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                log.debug("Error closing admin client", e);
            }
            admin = null;
        }
    }

    private void requireStartedOnce() {
        if (port == 0) {
            throw new IllegalStateException("Kafka broker in " + dataDir + " has not been started");
        }
    }

    /** The last {@code maxChars} characters of the child JVM's log, or "" if there is none. */
    String childLogTail(int maxChars) {
        Path f = childLog();
        if (!Files.exists(f)) {
            return "";
        }
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
            long len = raf.length();
            long from = Math.max(0, len - maxChars);
            byte[] buf = new byte[(int) (len - from)];
            raf.seek(from);
            raf.readFully(buf);
            return new String(buf, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public String toString() {
        return "KafkaBroker[" + mode + ", " + dataDir + (port != 0 ? ", " + HOST + ":" + port : "") + "]";
    }

    // ------------------------------------------------------------------------------------------------ builder

    /** Builds a {@link KafkaBroker}; {@link #start()} builds and starts in one go. */
    public static final class Builder {
        private final Path dataDir;
        private Mode mode = Mode.CHILD_JVM;
        private int port;
        private int controllerPort;
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private final Map<String, String> saslUsers = new LinkedHashMap<>();
        private List<String> childJvmOptions = DEFAULT_CHILD_JVM_OPTIONS;
        private String classpath;
        private Duration startupTimeout = Duration.ofSeconds(60);
        private Duration shutdownTimeout = Duration.ofSeconds(30);

        private Builder(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
        }

        /** The client (PLAINTEXT) port; 0 (default) = the port used last time in this directory if free, else any free port. */
        public Builder port(int port) {
            this.port = checkPort(port);
            return this;
        }

        /** The KRaft controller port; 0 (default) = last time's if free, else any free port. */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = checkPort(controllerPort);
            return this;
        }

        /** {@link Mode#CHILD_JVM} (default) or {@link Mode#IN_PROCESS}. */
        public Builder mode(Mode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** Shorthand for {@code mode(inProcess ? IN_PROCESS : CHILD_JVM)}. */
        public Builder inProcess(boolean inProcess) {
            return mode(inProcess ? Mode.IN_PROCESS : Mode.CHILD_JVM);
        }

        /**
         * Adds a client listener on a free port that requires a SASL/PLAIN login from one of these users (name to
         * password), for trying and testing clients configured for a secured cluster; see
         * {@link KafkaBroker#saslBootstrapServers()}. The PLAINTEXT listener stays.
         */
        public Builder saslPlainUsers(Map<String, String> users) {
            users.forEach((user, password) -> {
                if (!user.matches("[A-Za-z0-9_.-]+") || password.contains("\"") || password.contains("\\")) {
                    throw new IllegalArgumentException("SASL user names are letters, digits, '_', '.', '-'; passwords hold no quote or backslash");
                }
            });
            saslUsers.putAll(users);
            return this;
        }

        /** Overrides (or adds) one server.properties entry. */
        public Builder brokerProperty(String key, String value) {
            overrides.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
            return this;
        }

        /**
         * JVM options of the child JVM, replacing {@link #DEFAULT_CHILD_JVM_OPTIONS} (tuned for start-up time);
         * benchmarks may pass {@link #BENCHMARK_CHILD_JVM_OPTIONS}.
         */
        public Builder childJvmOptions(List<String> options) {
            this.childJvmOptions = List.copyOf(options);
            return this;
        }

        /** Class path of the child JVM (default: this JVM's {@code java.class.path}); must hold Kafka's jars. */
        public Builder classpath(String classpath) {
            this.classpath = classpath;
            return this;
        }

        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        public Builder shutdownTimeout(Duration timeout) {
            this.shutdownTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        public KafkaBroker build() {
            return new KafkaBroker(this);
        }

        /** Builds and starts the broker; see {@link KafkaBroker#start()}. */
        public KafkaBroker start() {
            return build().start();
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            return port;
        }
    }

    /** A broker that cannot be prepared, started or used. */
    public static final class BrokerException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public BrokerException(String message) {
            super(message);
        }

        public BrokerException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
