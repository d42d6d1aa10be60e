package org.mambats.service.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One stuck client must not hold up the others, and one that falls too far behind is disconnected. */
class LiveClientsTest {

    /** A connection that records what it receives; a stuck one blocks in its first send until interrupted. */
    private static final class FakeConnection implements LiveClients.Connection {
        final String symbol;
        final boolean stuck;
        final List<String> received = new CopyOnWriteArrayList<>();
        final CountDownLatch closed = new CountDownLatch(1);
        final java.util.concurrent.atomic.AtomicInteger closes = new java.util.concurrent.atomic.AtomicInteger();
        final CountDownLatch sending = new CountDownLatch(1);

        FakeConnection(String symbol, boolean stuck) {
            this.symbol = symbol;
            this.stuck = stuck;
        }

        @Override
        public String symbol() {
            return symbol;
        }

        @Override
        public void send(String event, String data) {
            sending.countDown();
            if (stuck) {
                try {
                    new CountDownLatch(1).await(); // like a write to a client that stopped reading
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            received.add(event + ":" + data);
        }

        @Override
        public void comment(String text) {
            received.add("comment:" + text);
        }

        @Override
        public boolean terminated() {
            return closed.getCount() == 0;
        }

        @Override
        public void close() {
            closes.incrementAndGet();
            closed.countDown();
        }

        void awaitReceived(int n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (received.size() < n && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
    }

    @Test
    @Timeout(30)
    void aQuietStreamGetsKeepAliveCommentsAndEventsStillFlow() throws Exception {
        try (LiveClients clients = new LiveClients(10, TimeUnit.MILLISECONDS.toNanos(500))) {
            FakeConnection quiet = new FakeConnection("ETHUSD", false);
            clients.add(quiet);
            clients.publish("BTCUSD", "not for it");
            quiet.awaitReceived(2);
            assertTrue(quiet.received.size() >= 2 && quiet.received.stream().allMatch(r -> r.equals("comment:keep-alive")), quiet.received.toString());
            clients.publish("ETHUSD", "e0");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!quiet.received.contains("forecast:e0") && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(quiet.received.contains("forecast:e0"), quiet.received.toString());
        }
    }

    @Test
    @Timeout(60) // sending on the publishing thread would block here forever
    void aStuckClientDelaysNobodyAndIsDisconnectedOnceItsBacklogIsFull() throws Exception {
        try (LiveClients clients = new LiveClients(10)) {
            FakeConnection stuck = new FakeConnection(null, true);
            FakeConnection everything = new FakeConnection(null, false);
            FakeConnection btcOnly = new FakeConnection("BTCUSD", false);
            clients.add(stuck);
            clients.add(everything);
            clients.add(btcOnly);
            assertEquals(3, clients.size());

            clients.publish("BTCUSD", "b0");
            assertTrue(stuck.sending.await(10, TimeUnit.SECONDS), "the stuck client is blocked in its first send");
            // Nine more events: the stuck client's queue fills up to its capacity, but it stays connected.
            for (int i = 1; i < 10; i++) {
                clients.publish(i % 2 == 0 ? "BTCUSD" : "ETHUSD", (i % 2 == 0 ? "b" : "e") + i);
            }
            everything.awaitReceived(10);
            assertEquals(10, everything.received.size(), "the other clients get every event while one is stuck: " + everything.received);
            btcOnly.awaitReceived(5);
            assertEquals(List.of("forecast:b0", "forecast:b2", "forecast:b4", "forecast:b6", "forecast:b8"), btcOnly.received,
                    "a client following one symbol gets that symbol's events, in order");
            assertEquals(1, stuck.closed.getCount(), "not disconnected while its backlog has room");

            // The queue holds 10 events behind the one being sent: b10 fills it, b11 overflows it.
            clients.publish("BTCUSD", "b10");
            clients.publish("BTCUSD", "b11");
            assertTrue(stuck.closed.await(10, TimeUnit.SECONDS), "the lagging client is disconnected");
            assertEquals(1, clients.laggedOut());
            everything.awaitReceived(12);
            assertEquals(12, everything.received.size());
            assertEquals(2, clients.size(), "the disconnected client is gone");
            Thread.sleep(100); // the stuck sender's thread ends after the stop; it must not close a second time
            assertEquals(1, stuck.closes.get(), "closed once");
        }
    }

    @Test
    void aClientThatWentAwayIsRemovedAndCloseStopsTheRest() throws Exception {
        LiveClients clients = new LiveClients(10);
        FakeConnection gone = new FakeConnection(null, false);
        FakeConnection staying = new FakeConnection(null, false);
        clients.add(gone);
        clients.add(staying);
        gone.close(); // the browser tab was closed
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (clients.size() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, clients.size());
        clients.publish("BTCUSD", "x");
        staying.awaitReceived(1);
        assertEquals(List.of("forecast:x"), staying.received);
        clients.close();
        assertTrue(staying.closed.await(10, TimeUnit.SECONDS));
        assertEquals(0, clients.laggedOut());
    }
}
