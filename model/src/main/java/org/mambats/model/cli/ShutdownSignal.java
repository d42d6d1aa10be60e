package org.mambats.model.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (or SIGTERM) for a command that runs until stopped. The JVM's shutdown hook wakes the command's main
 * thread, then holds the JVM for up to a grace period until the command reports that it has closed what it opened
 * (a server, a database, a stream), so shutdown hooks do not race the command's own cleanup.
 *
 * <pre>{@code
 * ShutdownSignal signal = ShutdownSignal.install("serve", Duration.ofSeconds(20));
 * try (...) {
 *     signal.await();
 * } finally {
 *     signal.closed();
 * }
 * }</pre>
 */
public final class ShutdownSignal {
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);

    private ShutdownSignal() {
    }

    /** Installs the hook; {@code grace} bounds how long the JVM waits for {@link #closed()}. */
    public static ShutdownSignal install(String command, Duration grace) {
        ShutdownSignal s = new ShutdownSignal();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            s.stop.countDown();
            try {
                s.closed.await(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, command + "-shutdown"));
        return s;
    }

    /** Blocks until the JVM is asked to stop. */
    public void await() throws InterruptedException {
        stop.await();
    }

    /** Blocks until the JVM is asked to stop or {@code timeout} passes; true when asked to stop. */
    public boolean await(Duration timeout) throws InterruptedException {
        return stop.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The command has closed everything: the JVM may exit. Call it in a finally block. */
    public void closed() {
        closed.countDown();
    }
}
