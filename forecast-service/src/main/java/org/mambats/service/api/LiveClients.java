package org.mambats.service.api;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
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
 * The clients of the live forecast stream, each with its own bounded queue and (virtual) sender thread.
 *
 * <p>Why: writing an event blocks once a client stops reading (a stalled browser tab, a dead network path) until
 * the server's idle timeout. Sent from the feed's thread, one such client would hold up every other client and the
 * Kafka consumer behind them. Here the feed only enqueues; a stuck client delays itself. A client that falls
 * {@code capacity} events behind is disconnected rather than silently skipped ahead.
 *
 * <p><b>Resuming.</b> Every event has an id, {@code <instance>-<n>}: this service instance's name and the event's
 * number. The last {@code replay} events are kept, and a client that reconnects with the id of the last event it
 * got (EventSource sends it as {@code Last-Event-ID} by itself) first receives the events of its symbol it
 * missed, in order, then the live ones: a dropped connection leaves no hole. When that cannot be done (the id is
 * from another instance, such as one restarted or behind the same load balancer, or the missed events are no
 * longer kept or would not fit the client's queue), the connection says it did not resume, and the client must
 * reload what it shows from the REST endpoints; the dashboard does.
 */
final class LiveClients implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveClients.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** One open event stream: where events go and which symbol it follows (null for every symbol). */
    interface Connection {
        String symbol();

        /** Tells the client the stream is open and whether it resumed from the id it gave; the first thing sent. */
        void opened(boolean resumed);

        /** Sends one event with its id; may block while the client is slow. */
        void send(String event, String id, String data);

        /** Sends a comment line, which clients ignore: keeps a quiet stream from looking idle. */
        void comment(String text);

        /** True once the client went away or a send failed. */
        boolean terminated();

        void close();
    }

    /**
     * A quiet stream (a symbol that rarely trades) gets a comment this often: proxies close connections idle for a
     * minute or so (nginx: 60 s), and a client that went away is only noticed when something is written to it: the
     * first write after it left still lands in the socket's buffer, the next one fails, so a departed client holds
     * its place (and its slot under the live-client cap) for up to two intervals. 5 s: 10 s at most, for a line of
     * 14 bytes per client every 5 s (measured by the load test: departures were noticed after 30 s at 15 s).
     */
    static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** An event as queued and kept for replay. */
    private record Event(long number, String symbol, String data) {
    }

    private final int capacity;
    private final int replay;
    private final long keepAliveNanos;
    /** This instance's part of event ids: its start time and a random part, so two instances never share it. */
    private final String instance = Long.toString(System.currentTimeMillis(), 36) + Long.toString(
            java.util.concurrent.ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36), 36);
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    private final AtomicLong laggedOut = new AtomicLong();
    /** The last {@link #replay} events, oldest first; guarded by {@code this}, as is {@link #published}. */
    private final ArrayDeque<Event> recent = new ArrayDeque<>();
    private long published;

    LiveClients(int capacity, int replay) {
        this(capacity, replay, KEEP_ALIVE_NANOS);
    }

    LiveClients(int capacity, int replay, long keepAliveNanos) {
        this.capacity = capacity;
        this.replay = replay;
        this.keepAliveNanos = keepAliveNanos;
    }

    /**
     * Starts sending events to {@code connection} until it closes. With the id of the last event the client got
     * ({@code lastEventId}, or null for a new client), it first gets the events of its symbol published since, when
     * they are all still kept; returns whether it did ({@link Connection#opened} is told the same).
     */
    boolean add(Connection connection, String lastEventId) {
        Client c = new Client(connection);
        boolean resumed;
        // Under the lock publish takes, so no event falls between the missed ones and the live ones.
        synchronized (this) {
            List<Event> missed = missedSince(lastEventId, connection.symbol());
            resumed = missed != null && missed.size() <= capacity;
            if (resumed) {
                c.queue.addAll(missed);
            }
            c.resumed = resumed;
            clients.add(c);
        }
        c.thread.start();
        return resumed;
    }

    /** The kept events for {@code symbol} (null: all) after the one with id {@code id}; null if that cannot be told. */
    private List<Event> missedSince(String id, String symbol) {
        if (id == null || !id.startsWith(instance + "-")) {
            return null;
        }
        long last;
        try {
            last = Long.parseLong(id.substring(instance.length() + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        long oldestKept = recent.isEmpty() ? published + 1 : recent.peekFirst().number();
        if (last > published || last < oldestKept - 1) {
            return null; // not an id this instance gave, or events after it are no longer kept
        }
        List<Event> missed = new ArrayList<>();
        for (Event e : recent) {
            if (e.number() > last && (symbol == null || symbol.equals(e.symbol()))) {
                missed.add(e);
            }
        }
        return missed;
    }

    /** Queues an event for every client that follows {@code symbol} and keeps it for replay; never blocks. */
    synchronized void publish(String symbol, String data) {
        Event event = new Event(++published, symbol, data);
        recent.addLast(event);
        if (recent.size() > replay) {
            recent.removeFirst();
        }
        for (Client c : clients) {
            String want = c.connection.symbol();
            if (want != null && !want.equals(symbol)) {
                continue;
            }
            if (!c.queue.offer(event)) {
                laggedOut.incrementAndGet();
                LOG.info("live client disconnected: {} events behind", capacity);
                c.stop();
            }
        }
    }

    private String id(Event e) {
        return instance + "-" + e.number();
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
        final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(capacity);
        final Thread thread;
        volatile boolean stopped;
        /** Whether it resumed from its last event id; told to the client first. */
        volatile boolean resumed;
        private final AtomicBoolean closed = new AtomicBoolean();

        Client(Connection connection) {
            this.connection = connection;
            // Virtual: the sender spends its life blocked on a queue or a slow socket, and a thousand clients
            // should not cost a thousand platform threads and their stacks.
            this.thread = Thread.ofVirtual().name("live-client-" + THREADS.incrementAndGet()).unstarted(this);
        }

        @Override
        public void run() {
            try {
                connection.opened(resumed);
                long lastWrite = System.nanoTime();
                while (!stopped && !connection.terminated()) {
                    Event e = queue.poll(1, TimeUnit.SECONDS);
                    if (e != null && !stopped) {
                        connection.send("forecast", id(e), e.data());
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
