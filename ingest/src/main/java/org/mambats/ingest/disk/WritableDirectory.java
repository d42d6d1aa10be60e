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
 * in it is used as it is once it can be written again. A disk with too little room left is refused the same way.
 */
public final class WritableDirectory {
    private static final String PROBE = ".mamba-ts-write-check";
    /**
     * Free space a directory needs to be accepted: a RocksDB flush or a PostgreSQL WAL segment (16 MB) must fit, or
     * the first one would fail some way into the run instead of at the start.
     */
    public static final long MIN_FREE_BYTES = 16L * 1024 * 1024;

    private WritableDirectory() {
    }

    /**
     * Creates {@code dir} if missing, checks that its disk has {@link #MIN_FREE_BYTES} free, and writes, syncs and
     * deletes a one-byte file in it (a read-only mount can show free space).
     *
     * @param what the directory in the user's words, e.g. "the stream's state directory"
     * @throws IllegalStateException if that fails
     */
    public static void require(Path dir, String what) {
        Path abs = dir.toAbsolutePath();
        Path probe = abs.resolve(PROBE);
        try {
            Files.createDirectories(abs);
        } catch (IOException | SecurityException e) {
            throw notWritable(what, abs, e);
        }
        long free = usableBytes(abs);
        if (free < MIN_FREE_BYTES) {
            throw new IllegalStateException(what + " " + abs + " is on a disk with " + free / 1024 + " kB free, less than the "
                    + MIN_FREE_BYTES / (1024 * 1024) + " MB it needs: make room on its disk, then start again; what is already in "
                    + "it is kept and used");
        }
        try {
            Files.write(probe, new byte[] {1}, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.SYNC);
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw notWritable(what, abs, e);
        }
    }

    private static IllegalStateException notWritable(String what, Path dir, Exception e) {
        return new IllegalStateException(what + " " + dir + " is not writable (" + e + "): make room on its disk or fix its "
                + "permissions, then start again; what is already in it is kept and used", e);
    }

    private static long usableBytes(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE; // a file system that does not say: the write check is all there is
        }
    }
}
