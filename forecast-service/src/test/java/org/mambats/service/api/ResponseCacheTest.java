package org.mambats.service.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ResponseCacheTest {
    @Test
    @Timeout(30)
    void identicalRequestsArrivingTogetherRunOneQuery() throws Exception {
        ResponseCache cache = new ResponseCache(Duration.ofSeconds(30));
        AtomicInteger queries = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        List<Future<String>> answers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            answers.add(pool.submit(() -> cache.get("/api/symbols", () -> {
                queries.incrementAndGet();
                release.await(); // the query is slow: every other request arrives while it runs
                return "[\"A\"]";
            })));
        }
        while (cache.hits() + cache.misses() < 50) {
            Thread.sleep(5);
        }
        release.countDown();
        for (Future<String> a : answers) {
            assertEquals("[\"A\"]", a.get(10, TimeUnit.SECONDS));
        }
        assertEquals(1, queries.get(), "one query for fifty identical requests");
        assertEquals(49, cache.hits());
        assertEquals("other", cache.get("/api/symbols?x=1", () -> "other"), "another question is asked on its own");
        pool.shutdown();
    }

    @Test
    void answersExpireAndFailuresAreNotKept() throws Exception {
        ResponseCache cache = new ResponseCache(Duration.ofMillis(50));
        AtomicInteger queries = new AtomicInteger();
        ResponseCache.Answer count = () -> "n" + queries.incrementAndGet();
        assertEquals("n1", cache.get("k", count));
        assertEquals("n1", cache.get("k", count), "kept within its time to live");
        Thread.sleep(80);
        assertEquals("n2", cache.get("k", count), "asked again once expired");

        ApiException refusal = ApiException.notFound("no such symbol");
        ApiException thrown = assertThrows(ApiException.class, () -> cache.get("bad", () -> {
            throw refusal;
        }));
        assertSame(refusal, thrown);
        assertEquals("fixed", cache.get("bad", () -> "fixed"), "a failure is not kept: the next request asks again");

        ResponseCache off = new ResponseCache(Duration.ZERO);
        assertEquals("n3", off.get("k", count));
        assertEquals("n4", off.get("k", count), "time to live 0: every request queries");
    }

    @Test
    @Timeout(30)
    void aQuerySlowerThanTheTimeToLiveIsStillAskedOnce() throws Exception {
        ResponseCache cache = new ResponseCache(Duration.ofMillis(1));
        AtomicInteger queries = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        Future<String> first = pool.submit(() -> cache.get("/api/errors", () -> {
            queries.incrementAndGet();
            release.await();
            return "slow";
        }));
        while (queries.get() == 0) {
            Thread.sleep(1);
        }
        Thread.sleep(20); // well past the 1 ms time to live, the query still running
        Future<String> second = pool.submit(() -> cache.get("/api/errors", () -> "n" + queries.incrementAndGet()));
        while (cache.hits() + cache.misses() < 2) {
            Thread.sleep(1);
        }
        release.countDown();
        assertEquals("slow", first.get(10, TimeUnit.SECONDS));
        assertEquals("slow", second.get(10, TimeUnit.SECONDS), "the newcomer waited for the running query");
        assertEquals(1, queries.get());
        pool.shutdown();
    }
}
