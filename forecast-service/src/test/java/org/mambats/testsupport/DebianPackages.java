package org.mambats.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Installs Debian packages a test needs (a browser, a validator) when they are missing, so a fresh CI machine runs
 * the test instead of skipping it. Installs only as root with apt-get present; otherwise says why it cannot.
 */
public final class DebianPackages {
    private DebianPackages() {
    }

    /** Null when every file exists (after installing {@code packages} if needed), else the reason it could not. */
    public static synchronized String ensure(List<Path> files, String... packages) {
        if (files.stream().allMatch(Files::isExecutable)) {
            return null;
        }
        if (!Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            return "missing " + files + " and no apt-get to install " + String.join(" ", packages);
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "missing " + files + "; installing " + String.join(" ", packages) + " needs root (run: sudo apt-get install "
                    + String.join(" ", packages) + ")";
        }
        System.err.println("test setup: installing Debian packages " + String.join(" ", packages) + " (one time) ...");
        String first = run(install(packages));
        if (first != null) {
            // A fresh machine may have no package lists yet.
            String update = run(List.of("apt-get", "update", "-o", "DPkg::Lock::Timeout=120"));
            String second = update == null ? run(install(packages)) : update;
            if (second != null) {
                return "installing " + String.join(" ", packages) + " failed: " + second;
            }
        }
        return files.stream().allMatch(Files::isExecutable) ? null : "installed " + String.join(" ", packages) + " but " + files + " still missing";
    }

    private static List<String> install(String... packages) {
        List<String> cmd = new ArrayList<>(List.of("apt-get", "install", "-y", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=120"));
        cmd.addAll(List.of(packages));
        return cmd;
    }

    /** Null on success, else the tail of the output. */
    private static String run(List<String> cmd) {
        try {
            Path log = Files.createTempFile("apt", ".log");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process p = pb.start();
            if (!p.waitFor(15, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return String.join(" ", cmd) + " timed out";
            }
            String out = Files.readString(log);
            Files.deleteIfExists(log);
            return p.exitValue() == 0 ? null : out.substring(Math.max(0, out.length() - 600));
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
