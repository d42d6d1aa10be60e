package org.mambats.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.mambats.testsupport.DebianPackages;

/**
 * A Compose implementation that validates files without a Docker engine: {@code docker compose} (v2) when the plugin
 * is there, else {@code docker-compose}. Where neither is installed and this process is root on a Debian-like system
 * (as CI is), Debian's {@code docker-compose} package (1.29) is installed with apt-get, once.
 */
final class ComposeCli {
    /** The outcome of one run. */
    record Result(int exitCode, String stdout, String stderr) {
    }

    private static final Path APT_GET = Path.of("/usr/bin/apt-get");

    private final List<String> command;

    private ComposeCli(List<String> command) {
        this.command = command;
    }

    /** The implementation's name, for messages ("docker compose" or "docker-compose"). */
    String name() {
        return String.join(" ", command);
    }

    /** An installed implementation, else Debian's docker-compose installed now if we may; empty with the reason logged. */
    static Optional<ComposeCli> findOrInstall() throws IOException, InterruptedException {
        Optional<ComposeCli> found = find();
        if (found.isPresent()) {
            return found;
        }
        if (!"root".equals(System.getProperty("user.name")) || !Files.isExecutable(APT_GET)) {
            return Optional.empty();
        }
        install();
        return find();
    }

    /** Why {@link #findOrInstall} found nothing, for the skip message. */
    static String unavailableReason() {
        return "neither `docker compose` nor `docker-compose` is installed, and this is not a root shell with apt-get "
                + "to install Debian's docker-compose: the compose file is not validated here";
    }

    static Optional<ComposeCli> find() throws InterruptedException {
        for (List<String> candidate : List.of(List.of("docker", "compose"), List.of("docker-compose"))) {
            List<String> version = new ArrayList<>(candidate);
            version.add("version");
            try {
                if (run(version, Map.of(), 60).exitCode() == 0) {
                    return Optional.of(new ComposeCli(candidate));
                }
            } catch (IOException notInstalled) {
                // try the next one
            }
        }
        return Optional.empty();
    }

    /** {@code <compose> <args...>} with extra environment variables ({@code null} value: removed from the environment). */
    Result run(List<String> args, Map<String, String> environment) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(command);
        all.addAll(args);
        return run(all, environment, 120);
    }

    private static void install() throws IOException {
        String problem = DebianPackages.ensure(List.of(Path.of("/usr/bin/docker-compose")), "docker-compose");
        if (problem != null) {
            throw new IOException("could not install docker-compose: " + problem);
        }
    }

    private static Result run(List<String> command, Map<String, String> environment, long timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        environment.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        Path out = Files.createTempFile("compose-out", ".txt");
        Path err = Files.createTempFile("compose-err", ".txt");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File("/dev/null");
    }
}
