package org.mambats.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code ./mamba-ts} launcher as a script or a supervisor holds it: the pid it gets is the JVM's
 * (the launcher {@code exec}s java), so a SIGTERM to that pid runs the JVM's shutdown hooks and leaves no process
 * behind, not even the broker's child JVM or the filter of the incubator notice.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LauncherSignalIT {
    private static final Path LAUNCHER = Path.of("..", "mamba-ts").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void sigtermToTheLaunchersPidStopsTheJvmAndRunsItsShutdownHooks() throws Exception {
        Path stderr = dir.resolve("stderr.log");
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "broker", "--port", "0", "--child-jvm",
                "--dir", dir.resolve("kafka").toString())
                .redirectError(stderr.toFile());
        pb.environment().put("MAMBA_TS_NO_BUILD", "1"); // the jars of this build, as packaged
        Process launcher = pb.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("bootstrap.servers=")) {
                // the start-up lines before the address
            }
            assertTrue(line != null, () -> "the broker did not start: " + read(stderr));

            ProcessHandle handle = launcher.toHandle();
            String command = handle.info().command().orElse("");
            assertTrue(command.endsWith("/java"), "the launcher's pid runs java, not a shell: " + command);
            List<ProcessHandle> descendants = handle.descendants().toList();
            assertFalse(descendants.isEmpty(), "the broker's child JVM and the notice filter run under it");

            launcher.destroy(); // SIGTERM
            assertTrue(launcher.waitFor(60, TimeUnit.SECONDS), "the JVM stops on SIGTERM");
            // 143 = 128 + SIGTERM: the JVM's exit status after its shutdown hooks ran on the signal.
            assertEquals(143, launcher.exitValue(), () -> read(stderr));
            for (ProcessHandle p : descendants) {
                p.onExit().get(30, TimeUnit.SECONDS);
                assertFalse(p.isAlive(), "left behind: pid " + p.pid() + " " + p.info().command().orElse(""));
            }
        } finally {
            launcher.destroyForcibly();
            launcher.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        }
        String err = read(stderr);
        assertTrue(err.contains("mamba-ts broker: stopped"), "the shutdown hook stopped the broker cleanly:\n" + err);
        assertFalse(err.contains("WARNING: Using incubator modules"), "the incubator notice is filtered:\n" + err);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }
}
