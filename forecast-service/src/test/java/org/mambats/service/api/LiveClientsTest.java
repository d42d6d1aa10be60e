package org.mambats.service.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One stuck client must not hold up the others, one that falls too far behind is disconnected, and one that
 * reconnects with the id of its last event gets what it missed, or is told it must reload.
 */
class LiveClientsTest {

    /** A connection that records what it receives; a stuck one blocks in its first send until interrupted. */
    private static final class FakeConnection implements LiveClients.Connection {
        final String symbol;
        final boolean stuck;
        final List<String> received = new CopyOnWriteArrayList<>();
        final CountDownLatch closed = new CountDownLatch(1);
        final java.util.concurrent.atomic.AtomicInteger closes = new java.util.concurrent.atomic.AtomicInteger();
        final CountDownLatch sending = new CountDownLatch(1);
        /** The id of each received event, in order. */
        final List<String> ids = new CopyOnWriteArrayList<>();
        final CountDownLatch opened = new CountDownLatch(1);
        volatile boolean resumed;

        FakeConnection(String symbol, boolean stuck) {
            this.symbol = symbol;
            this.stuck = stuck;
        }

        @Override
        public String symbol() {
            return symbol;
        }

        @Override
        public void opened(boolean resumed) {
            this.resumed = resumed;
            opened.countDown();
        }

        @Override
        public void send(String event, String id, String data) {
            sending.countDown();
            if (stuck) {
                try {
                    new CountDownLatch(1).await(); // like a write to a client that stopped reading
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            ids.add(id);
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
        try (LiveClients clients = new LiveClients(10, 100, TimeUnit.MILLISECONDS.toNanos(500))) {
            FakeConnection quiet = new FakeConnection("ETHUSD", false);
            clients.add(quiet, null);
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
        try (LiveClients clients = new LiveClients(10, 100)) {
            FakeConnection stuck = new FakeConnection(null, true);
            FakeConnection everything = new FakeConnection(null, false);
            FakeConnection btcOnly = new FakeConnection("BTCUSD", false);
            clients.add(stuck, null);
            clients.add(everything, null);
            clients.add(btcOnly, null);
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
        LiveClients clients = new LiveClients(10, 100);
        FakeConnection gone = new FakeConnection(null, false);
        FakeConnection staying = new FakeConnection(null, false);
        clients.add(gone, null);
        clients.add(staying, null);
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

    @Test
    @Timeout(30)
    void aClientThatReconnectsWithItsLastEventIdGetsWhatItMissedInOrderThenLiveEvents() throws Exception {
        try (LiveClients clients = new LiveClients(10, 100)) {
            FakeConnection first = new FakeConnection("BTCUSD", false);
            assertFalse(clients.add(first, null), "a new client has nothing to resume");
            assertTrue(first.opened.await(10, TimeUnit.SECONDS));
            assertFalse(first.resumed);
            clients.publish("BTCUSD", "b0");
            clients.publish("ETHUSD", "e1");
            clients.publish("BTCUSD", "b2");
            first.awaitReceived(2);
            assertEquals(List.of("forecast:b0", "forecast:b2"), first.received);
            assertEquals(2, new java.util.HashSet<>(first.ids).size(), "ids differ: " + first.ids);
            String lastId = first.ids.get(1);
            first.close(); // the connection drops; meanwhile more is published
            clients.publish("BTCUSD", "b3");
            clients.publish("ETHUSD", "e4");
            clients.publish("BTCUSD", "b5");

            FakeConnection again = new FakeConnection("BTCUSD", false);
            assertTrue(clients.add(again, lastId), "resumed");
            clients.publish("BTCUSD", "b6");
            again.awaitReceived(3);
            assertTrue(again.opened.await(10, TimeUnit.SECONDS) && again.resumed, "told it resumed");
            assertEquals(List.of("forecast:b3", "forecast:b5", "forecast:b6"), again.received,
                    "the missed events of its symbol, in order, then the live one, each once");

            // Every symbol: from b0's id, all that followed it.
            FakeConnection everything = new FakeConnection(null, false);
            assertTrue(clients.add(everything, first.ids.get(0)));
            everything.awaitReceived(6);
            assertEquals(List.of("forecast:e1", "forecast:b2", "forecast:b3", "forecast:e4", "forecast:b5", "forecast:b6"), everything.received);
            // The ids given on replay are the ids the events had live.
            assertEquals(again.ids.get(2), everything.ids.get(5));
        }
    }

    @Test
    void anIdItCannotResumeFromIsRefusedAndTheClientToldToReload() throws Exception {
        try (LiveClients clients = new LiveClients(3, 5); LiveClients otherInstance = new LiveClients(3, 5)) {
            FakeConnection watcher = new FakeConnection(null, false);
            clients.add(watcher, null);
            otherInstance.publish("BTCUSD", "elsewhere");
            FakeConnection elsewhere = new FakeConnection(null, false);
            otherInstance.add(elsewhere, null);
            otherInstance.publish("BTCUSD", "x");
            elsewhere.awaitReceived(1);
            String foreignId = elsewhere.ids.get(0);
            for (int i = 0; i < 8; i++) {
                clients.publish(i % 2 == 0 ? "ETHUSD" : "BTCUSD", "e" + i);
                watcher.awaitReceived(i + 1); // one at a time: its queue holds only 3
            }
            List<String> ids = watcher.ids;

            assertFalse(clients.add(new FakeConnection(null, false), foreignId), "an id of another instance (one restarted, say)");
            assertFalse(clients.add(new FakeConnection(null, false), "nonsense"), "not an id at all");
            assertFalse(clients.add(new FakeConnection(null, false), ids.get(0)), "the events after it are no longer kept (5 kept)");
            assertFalse(clients.add(new FakeConnection(null, false), ids.get(3)), "4 missed events do not fit a queue of 3");
            assertTrue(clients.add(new FakeConnection("BTCUSD", false), ids.get(3)), "but 4 missed of which 2 its symbol's do");
            String future = ids.get(7).substring(0, ids.get(7).lastIndexOf('-') + 1) + "99";
            assertFalse(clients.add(new FakeConnection(null, false), future), "an id this instance has not given yet");
            FakeConnection refused = new FakeConnection(null, false);
            clients.add(refused, ids.get(0));
            assertTrue(refused.opened.await(10, TimeUnit.SECONDS));
            assertFalse(refused.resumed, "told it did not resume");
            clients.publish("BTCUSD", "live");
            refused.awaitReceived(1);
            assertEquals(List.of("forecast:live"), refused.received, "no replay, only what comes next");
        }
    }
}
