package org.mambats.ingest.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mambats.ingest.disk.WritableDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL (zonky's binaries from Maven Central) with its data under {@code root/data} and its port kept in
 * {@code root/port}: the first start picks a free loopback port (zonky listens on localhost only) and runs initdb; later starts (after a restart
 * of the process, or {@link #stop()} and {@link #start()}) reuse both, so the data and the JDBC URL survive.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    private final Path root;
    private final int port;
    private final Map<String, String> serverConfig;
    private EmbeddedPostgres pg;
    private boolean adopted;

    private EmbeddedPostgresServer(Path root, int port, Map<String, String> serverConfig) {
        this.root = root;
        this.port = port;
        this.serverConfig = serverConfig;
    }

    /** Starts the server under {@code root} (created if missing) with the default configuration. */
    public static EmbeddedPostgresServer start(Path root) throws IOException {
        return start(root, Map.of());
    }

    /** Starts the server under {@code root}; {@code serverConfig} adds postgresql.conf settings (e.g. fsync=off in tests). */
    public static EmbeddedPostgresServer start(Path root, Map<String, String> serverConfig) throws IOException {
        WritableDirectory.require(root, "the embedded PostgreSQL's directory"); // creates it; checked before the port file
        Path portFile = root.resolve("port");
        int port;
        if (Files.exists(portFile)) {
            port = Integer.parseInt(Files.readString(portFile, StandardCharsets.UTF_8).trim());
        } else {
            port = freePort();
            Files.writeString(portFile, Integer.toString(port), StandardCharsets.UTF_8);
        }
        // zonky starts PostgreSQL with fsync off (-F) and synchronous_commit off, fine for throwaway test databases;
        // this one keeps data across restarts, so durability is back on unless the caller says otherwise.
        Map<String, String> config = new LinkedHashMap<>();
        config.put("fsync", "on");
        config.put("synchronous_commit", "on");
        config.putAll(serverConfig);
        EmbeddedPostgresServer s = new EmbeddedPostgresServer(root.toAbsolutePath(), port, config);
        s.start();
        return s;
    }

    /** (Re)starts the server on its data directory and port. */
    public synchronized void start() throws IOException {
        if (pg != null || adopted) {
            return;
        }
        Path data = root.resolve("data");
        WritableDirectory.require(root, "the embedded PostgreSQL's directory");
        if (Files.isDirectory(data)) {
            WritableDirectory.require(data, "the embedded PostgreSQL's data directory");
        }
        boolean existing = Files.exists(data.resolve("PG_VERSION"));
        if (existing && Files.exists(data.resolve("postmaster.pid")) && listening(port)) {
            // The JVM that started it was killed hard (SIGKILL): its PostgreSQL lives on, on our data and port. Use it.
            adopted = true;
            LOG.info("embedded PostgreSQL already running on localhost:{} with data in {} (left by an earlier process): using it",
                    port, data);
            return;
        }
        // A server killed hard leaves postmaster.pid behind; PostgreSQL itself checks whether that pid still runs.
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setPort(port)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("max_connections", "50");
        serverConfig.forEach(b::setServerConfig);
        pg = b.start();
        LOG.info("embedded PostgreSQL {} on localhost:{}, data in {}", existing ? "restarted" : "initialised", port, data);
    }

    /** Stops the server (fast shutdown); the data directory stays. */
    public synchronized void stop() {
        if (adopted) {
            LOG.info("leaving the adopted PostgreSQL on localhost:{} running", port);
            adopted = false;
            return;
        }
        if (pg == null) {
            return;
        }
        try {
            pg.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            pg = null;
        }
    }

    public int port() {
        return port;
    }

    public Path root() {
        return root;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres";
    }

    @Override
    public void close() {
        stop();
    }

    private static boolean listening(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }
}
