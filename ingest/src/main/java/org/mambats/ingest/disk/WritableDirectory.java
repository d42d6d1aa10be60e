package org.mambats.ingest.disk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The check the stream's state directory and the embedded database's data directory get before anything is opened
 * in them: a directory that cannot be written (a full disk, a read-only mount, lost permissions) is refused with an
 * error that names it and says what to do, instead of the libraries' own failures (Kafka Streams: "Failed to lock
 * the state directory ... during startup"; the embedded PostgreSQL: "FileNotFoundException: .../data/epg-lock"). Nothing in the directory is changed, so what is
 * in it is used as it is once it can be written again.
 */
public final class WritableDirectory {
    private static final String PROBE = ".mamba-ts-write-check";

    private WritableDirectory() {
    }

    /**
     * Creates {@code dir} if missing and writes, syncs and deletes a one-byte file in it.
     *
     * @param what the directory in the user's words, e.g. "the stream's state directory"
     * @throws IllegalStateException if that fails
     */
    public static void require(Path dir, String what) {
        Path abs = dir.toAbsolutePath();
        Path probe = abs.resolve(PROBE);
        try {
            Files.createDirectories(abs);
            Files.write(probe, new byte[] {1}, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.SYNC);
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new IllegalStateException(what + " " + abs + " is not writable (" + e + "): make room on its disk or fix its "
                    + "permissions, then start again; what is already in it is kept and used", e);
        }
    }
}
