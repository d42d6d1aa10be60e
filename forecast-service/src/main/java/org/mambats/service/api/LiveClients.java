package org.mambats.service.api;

import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clients of the live forecast stream, each with its own bounded queue and sender thread.
 *
 * <p>Why: writing an event blocks once a client stops reading (a stalled browser tab, a dead network path) until
 * the server's idle timeout. Sent from the feed's thread, one such client would hold up every other client and the
 * Kafka consumer behind them. Here the feed only enqueues; a stuck client delays itself. A client that falls
 * {@code capacity} events behind is disconnected rather than silently skipped ahead: its browser reconnects
 * (EventSource does so by itself) and reloads what it shows, so a chart never has a hole nobody knows about.
 */
final class LiveClients implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveClients.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** One open event stream: where events go and which symbol it follows (null for every symbol). */
    interface Connection {
        String symbol();

        /** Sends one event; may block while the client is slow. */
        void send(String event, String data);

        /** Sends a comment line, which clients ignore: keeps a quiet stream from looking idle. */
        void comment(String text);

        /** True once the client went away or a send failed. */
        boolean terminated();

        void close();
    }

    /**
     * A quiet stream (a symbol that rarely trades) gets a comment this often: proxies close connections idle for a
     * minute or so (nginx: 60 s), and a client that went away is only noticed when something is written to it.
     */
    static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(15);

    private final int capacity;
    private final long keepAliveNanos;
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    private final AtomicLong laggedOut = new AtomicLong();

    LiveClients(int capacity) {
        this(capacity, KEEP_ALIVE_NANOS);
    }

    LiveClients(int capacity, long keepAliveNanos) {
        this.capacity = capacity;
        this.keepAliveNanos = keepAliveNanos;
    }

    /** Starts sending {@code publish}ed events to {@code connection} until it closes. */
    void add(Connection connection) {
        Client c = new Client(connection);
        clients.add(c);
        c.thread.start();
    }

    /** Queues an event for every client that follows {@code symbol}; never blocks. */
    void publish(String symbol, String data) {
        for (Client c : clients) {
            String want = c.connection.symbol();
            if (want != null && !want.equals(symbol)) {
                continue;
            }
            if (!c.queue.offer(data)) {
                laggedOut.incrementAndGet();
                LOG.info("live client disconnected: {} events behind", capacity);
                c.stop();
            }
        }
    }

    int size() {
        return clients.size();
    }

    /** Clients disconnected so far because they fell too far behind. */
    long laggedOut() {
        return laggedOut.get();
    }

    @Override
    public void close() {
        for (Client c : clients) {
            c.stop();
        }
    }

    private final class Client implements Runnable {
        final Connection connection;
        final BlockingQueue<String> queue = new ArrayBlockingQueue<>(capacity);
        final Thread thread;
        volatile boolean stopped;
        private final AtomicBoolean closed = new AtomicBoolean();

        Client(Connection connection) {
            this.connection = connection;
            this.thread = new Thread(this, "live-client-" + THREADS.incrementAndGet());
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            try {
                long lastWrite = System.nanoTime();
                while (!stopped && !connection.terminated()) {
                    String data = queue.poll(1, TimeUnit.SECONDS);
                    if (data != null && !stopped) {
                        connection.send("forecast", data);
                        lastWrite = System.nanoTime();
                    } else if (!stopped && System.nanoTime() - lastWrite >= keepAliveNanos) {
                        connection.comment("keep-alive");
                        lastWrite = System.nanoTime();
                    }
                }
            } catch (InterruptedException e) {
                // stopped
            } finally {
                clients.remove(this);
                closeOnce();
            }
        }

        void stop() {
            stopped = true;
            clients.remove(this);
            thread.interrupt();
            closeOnce();
        }

        /** Both the sender, when it ends, and a stop from outside close the connection; it is closed once. */
        private void closeOnce() {
            if (closed.compareAndSet(false, true)) {
                connection.close();
            }
        }
    }
}
