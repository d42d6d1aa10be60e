package org.mambats.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** A Compose environment file: NAME=value lines; blank lines and # comments skipped. */
final class EnvFile {
    private EnvFile() {
    }

    static Map<String, String> read(Path file) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String t = line.trim();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            int eq = t.indexOf('=');
            if (eq <= 0) {
                throw new IOException(file + ": not NAME=value: " + line);
            }
            values.put(t.substring(0, eq).trim(), t.substring(eq + 1).trim());
        }
        return values;
    }
}
