package org.mambats.backtest.run;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Units of a run's work on a fixed number of worker threads, in one queue: a unit that needs another's result (an
 * evaluation needs its fold's model) is queued the moment that result exists, so no worker waits for a phase to
 * end while another unit could run. A progress line as each unit finishes ("train fold 3/6 done, 5/42 units,
 * 40 s"). A unit's failure fails the run with the unit named; the others are cancelled.
 */
final class Units implements AutoCloseable {
    /** A unit's work: returns its result or throws. */
    interface Work<T> {
        T run() throws Exception;
    }

    /** The work of a unit that needs another unit's result. */
    interface Next<A, T> {
        T run(A input) throws Exception;
    }

    /** A submitted unit; {@link #get} after {@link #awaitAll}. */
    static final class Result<T> {
        private final String name;
        private final CompletableFuture<T> future;

        private Result(String name, CompletableFuture<T> future) {
            this.name = name;
            this.future = future;
        }

        T get() {
            try {
                return future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + name, e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(name + " failed: " + c, c);
            }
        }
    }

    private final int workers;
    private final ExecutorService pool;
    private final Progress out;
    private final List<Result<?>> pending = new ArrayList<>();
    private final AtomicInteger finished = new AtomicInteger();
    private final long start = System.nanoTime();

    Units(int workers, Progress out) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        this.workers = workers;
        this.out = out;
        this.pool = workers == 1 ? Executors.newSingleThreadExecutor(r -> worker(r, 1))
                : Executors.newFixedThreadPool(workers, new java.util.concurrent.ThreadFactory() {
                    private int n;

                    @Override
                    public synchronized Thread newThread(Runnable r) {
                        return worker(r, ++n);
                    }
                });
    }

    private static Thread worker(Runnable r, int n) {
        Thread t = new Thread(r, "backtest-worker-" + n);
        t.setDaemon(true);
        return t;
    }

    int workers() {
        return workers;
    }

    /** Queues a unit now. */
    <T> Result<T> submit(String name, Work<T> work) {
        return track(name, CompletableFuture.supplyAsync(() -> call(name, work), pool));
    }

    /** Queues a unit once {@code first} has finished, with its result; if {@code first} fails, so does this one. */
    <A, T> Result<T> after(Result<A> first, String name, Next<A, T> work) {
        return track(name, first.future.thenApplyAsync(a -> call(name, () -> work.run(a)), pool));
    }

    private <T> Result<T> track(String name, CompletableFuture<T> future) {
        Result<T> r = new Result<>(name, future);
        synchronized (pending) {
            pending.add(r);
        }
        future.whenComplete((v, e) -> {
            if (e == null) {
                int done = finished.incrementAndGet();
                int total;
                synchronized (pending) {
                    total = pending.size();
                }
                if (total > 1) {
                    out.say("backtest: %s done, %d/%d units, %.0f s", name, done, total, (System.nanoTime() - start) / 1e9);
                }
            }
        });
        return r;
    }

    /** Runs a unit's work; what it throws reaches {@link #awaitAll} and {@link Result#get} as itself. */
    private static <T> T call(String name, Work<T> work) {
        try {
            return work.run();
        } catch (IOException | RuntimeException e) {
            throw new CompletionException(e);
        } catch (Exception e) {
            throw new CompletionException(new IllegalStateException(name + ": " + e, e));
        }
    }

    /** Waits for every unit submitted so far; fails with the first failure (in submission order). */
    void awaitAll() throws IOException {
        List<Result<?>> all;
        synchronized (pending) {
            all = List.copyOf(pending);
        }
        try {
            for (Result<?> r : all) {
                try {
                    r.future.get();
                } catch (ExecutionException e) {
                    // Cancelling a CompletableFuture does not interrupt its worker: stop the pool for that.
                    all.forEach(p -> p.future.cancel(true));
                    pool.shutdownNow();
                    Throwable c = e.getCause();
                    if (c instanceof IOException io) {
                        throw io;
                    }
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new IllegalStateException(r.name + " failed: " + c, c);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the backtest's units ran", e);
        } finally {
            synchronized (pending) {
                pending.clear();
            }
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
