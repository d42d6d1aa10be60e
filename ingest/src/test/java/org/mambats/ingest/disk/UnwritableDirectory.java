package org.mambats.ingest.disk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

/**
 * Makes a directory tree one that cannot be written, for a test, and undoes it on close. These tests run as root,
 * which ignores permissions, so the tree is made immutable ({@code chattr -R +i}, ext4 and most Linux file systems);
 * as another user, the directories' write permission is taken away. Either way the result is checked by trying to
 * create a file; {@link #of} returns null when neither works here.
 */
public final class UnwritableDirectory implements AutoCloseable {
    private final Path dir;
    private final boolean immutable;

    private UnwritableDirectory(Path dir, boolean immutable) {
        this.dir = dir;
        this.immutable = immutable;
    }

    public static UnwritableDirectory of(Path dir) throws IOException, InterruptedException {
        if (chattr("+i", dir)) {
            UnwritableDirectory u = new UnwritableDirectory(dir, true);
            if (!canWrite(dir)) {
                return u;
            }
            u.close();
        } else {
            chattr("-i", dir); // a partial success (some files refused) must not outlive the test
        }
        setDirectoryPermissions(dir, "r-xr-xr-x");
        UnwritableDirectory u = new UnwritableDirectory(dir, false);
        if (!canWrite(dir)) {
            return u;
        }
        u.close();
        return null;
    }

    public static boolean canWrite(Path dir) {
        try {
            Files.delete(Files.createTempFile(dir, "probe", ""));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (immutable) {
            if (!chattr("-i", dir)) {
                throw new IOException("chattr -R -i " + dir + " failed");
            }
        } else {
            setDirectoryPermissions(dir, "rwxr-xr-x");
        }
    }

    private static boolean chattr(String flag, Path dir) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(List.of("chattr", "-R", flag, dir.toString())).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false; // no chattr here
        }
    }

    private static void setDirectoryPermissions(Path dir, String permissions) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.filter(Files::isDirectory).toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(permissions));
            }
        }
    }
}
