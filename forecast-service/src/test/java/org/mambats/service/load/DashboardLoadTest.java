package org.mambats.service.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load test's harness at 100 clients for a few seconds: every page loads, every event stream opens and gets
 * live forecasts, nothing fails, and once the clients leave the service holds no live client, no connection and
 * no platform thread left per client. Latency figures come from {@code ./mamba-ts bench --suites service}, not from here.
 */
class DashboardLoadTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(240)
    void aHundredDashboardsLoadFollowAndLeaveNothingBehind() throws Exception {
        // A first round of 10 clients starts what is started once (Jetty's scheduler, the JDBC driver's timer, the
        // scheduler of virtual threads' sleeps); the round of 100 that follows must not leave threads of its own.
        DashboardLoad.Result r = DashboardLoad.run(tmp, List.of(new DashboardLoad.Settings(10, Duration.ofSeconds(3), Duration.ofSeconds(1), 5),
                new DashboardLoad.Settings(100, Duration.ofSeconds(8), Duration.ofSeconds(2), 5)), System.out).get(1);
        assertEquals(100, r.streamsOpened(), "every client's event stream opened");
        assertEquals(0, r.failedRequests());
        assertEquals(0, r.refusedStreams());
        assertEquals(100, r.pageLoad().count());
        assertTrue(r.forecastsQuery().count() >= 100, "the chart's forecasts query ran: " + r.forecastsQuery().count());
        assertTrue(r.eventsReceived() >= 100, "live forecasts reached the clients: " + r.eventsReceived());
        assertTrue(r.deliveryLag().count() > 0 && r.deliveryLag().p50() >= 0);
        assertEquals(0, r.liveClientsAfter(), "no live client left once they went");
        assertEquals(0, r.connectionsAfter(), "no connection left open");
        // A thread per client would be a hundred; the in-process broker may still start an executor of its own.
        assertTrue(r.platformThreadsAfter() <= r.platformThreadsBefore() + 2,
                "platform threads do not grow with clients: " + r.platformThreadsBefore() + " before, " + r.platformThreadsAfter()
                        + " after; started and alive: " + r.newPlatformThreads());
    }
}
