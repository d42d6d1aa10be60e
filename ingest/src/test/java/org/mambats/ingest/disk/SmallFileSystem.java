package org.mambats.ingest.disk;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A small file system of its own (a tmpfs mounted on an empty directory) that a test can fill up, to see what a
 * full disk does to whatever keeps its files there, and then make room on again. Mounting needs root (these tests
 * run as root); {@link #mount} returns null where it is not allowed. {@link #close} unmounts it.
 */
public final class SmallFileSystem implements AutoCloseable {
    private static final String BALLAST = "ballast";
    private final Path dir;

    private SmallFileSystem(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code megabytes} on {@code dir} (created if missing, and empty), or returns null. */
    public static SmallFileSystem mount(Path dir, int megabytes) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        if (!run("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m,mode=0755", "tmpfs", dir.toString())) {
            return null;
        }
        return new SmallFileSystem(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Bytes that can still be written here. */
    public long free() throws IOException {
        return Files.getFileStore(dir).getUsableSpace();
    }

    /**
     * Writes a ballast file that leaves about {@code leaveBytes} free, or none where whoever else writes here takes
     * the rest first.
     */
    public void fillLeaving(long leaveBytes) throws IOException {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(dir.resolve(BALLAST))) {
            for (long left = free() - leaveBytes; left > 0; left -= block.length) {
                out.write(block, 0, (int) Math.min(block.length, left));
            }
        } catch (IOException e) {
            if (free() > leaveBytes) {
                throw e; // not the disk filling up
            }
        }
    }

    /** Deletes the ballast: there is room again. */
    public void makeRoom() throws IOException {
        Files.deleteIfExists(dir.resolve(BALLAST));
    }

    @Override
    public void close() throws IOException, InterruptedException {
        // Lazy, so a process still holding a file there (a server that did not stop) does not leave the mount behind.
        if (!run("umount", "-l", dir.toString())) {
            throw new IOException("umount " + dir + " failed");
        }
    }

    private static boolean run(String... command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false; // no mount command here
        }
    }
}
