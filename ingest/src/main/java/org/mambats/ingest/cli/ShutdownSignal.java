package org.mambats.ingest.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (or SIGTERM) for a command that runs until stopped: {@code stream}, {@code sink}, {@code serve},
 * {@code demo}. The JVM's shutdown hook wakes the command's main thread (and runs the command's stop action, for a
 * command whose main thread is busy in a loop of its own), then holds the JVM for up to a grace period until the
 * command reports that it has closed what it opened, so shutdown hooks do not race the command's own cleanup.
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
        return install(command, grace, () -> { });
    }

    /** The same, the hook also running {@code onStop} (a loop's own stop, say) before it waits. */
    public static ShutdownSignal install(String command, Duration grace, Runnable onStop) {
        ShutdownSignal s = new ShutdownSignal();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            s.stop.countDown();
            onStop.run();
            try {
                s.closed.await(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "mamba-ts-" + command + "-shutdown"));
        return s;
    }

    /** Wakes {@link #await} without a signal: the command itself has to stop (a stream that failed, say). */
    public void stopNow() {
        stop.countDown();
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
