package org.mambats.service.api;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Answers of the JSON endpoints, kept for a moment and shared by every request that asks the same thing meanwhile.
 *
 * <p>Why: a thousand analysts watching ten symbols ask the same few questions (the symbols, the last hour of a
 * symbol's candles, forecasts and errors) every few seconds; without this each asks the database on its own, and the
 * database, not the network, is what runs out. With it, one request per distinct question and {@link #ttl()} runs
 * the query; the others arriving while it runs wait for it (one query, not a stampede), and those within the
 * time to live get its answer. The price is that an answer may be up to {@code ttl} old; live forecasts come
 * through the event stream, not through these endpoints, so the dashboard still updates at once. The backtest
 * endpoints are not shared: a run someone just stored must show at once.
 *
 * <p>Failures are not kept: a refusal (404) or a database error reaches every request waiting for that answer and
 * the next request asks again. At most {@link #MAX_ENTRIES} answers are kept; beyond that, expired ones are dropped
 * and, if that is not enough, all of them.
 */
final class ResponseCache {
    /** Distinct answers kept at once (each is at most {@link ApiCatalog#MAX_ROWS} rows of JSON). */
    static final int MAX_ENTRIES = 2_000;

    /** Computes one answer; may throw what the endpoint throws. */
    interface Answer {
        String compute() throws Exception;
    }

    private record Entry(CompletableFuture<String> body, long expiresAtNanos) {
    }

    private final long ttlNanos;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    ResponseCache(Duration ttl) {
        this.ttlNanos = ttl.toNanos();
    }

    Duration ttl() {
        return Duration.ofNanos(ttlNanos);
    }

    /** The answer to {@code key}: kept, being computed by another request, or computed here. */
    String get(String key, Answer answer) throws Exception {
        return get(key, 1, answer);
    }

    /** The same, kept {@code ttlFactor} times the time to live (for answers that change slowly); none when disabled. */
    String get(String key, int ttlFactor, Answer answer) throws Exception {
        if (ttlNanos <= 0) {
            return answer.compute();
        }
        long now = System.nanoTime();
        CompletableFuture<String> mine = new CompletableFuture<>();
        Entry fresh = new Entry(mine, now + ttlNanos * ttlFactor);
        // An answer still being computed is shared however long it takes: under load a query can outlast the time to
        // live, and starting it again for every newcomer would be the stampede this class exists to prevent.
        Entry e = entries.compute(key, (k, old) -> old != null && (!old.body.isDone() || old.expiresAtNanos - now > 0) ? old : fresh);
        if (e != fresh) {
            hits.incrementAndGet();
            return await(e.body);
        }
        misses.incrementAndGet();
        trim(now);
        try {
            String body = answer.compute();
            mine.complete(body);
            return body;
        } catch (Exception | Error t) {
            entries.remove(key, fresh);
            mine.completeExceptionally(t);
            throw t;
        }
    }

    private static String await(CompletableFuture<String> body) throws Exception {
        try {
            return body.join();
        } catch (CompletionException w) {
            Throwable t = w.getCause();
            if (t instanceof Exception ex) {
                throw ex;
            }
            throw (Error) t;
        }
    }

    private void trim(long now) {
        if (entries.size() <= MAX_ENTRIES) {
            return;
        }
        entries.values().removeIf(e -> e.expiresAtNanos - now <= 0 && e.body.isDone());
        if (entries.size() > MAX_ENTRIES) {
            entries.clear();
        }
    }

    long hits() {
        return hits.get();
    }

    long misses() {
        return misses.get();
    }
}
