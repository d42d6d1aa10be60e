package org.mambats.backtest.run;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Independent units of a run's work on a fixed number of worker threads, with a progress line as each finishes
 * ("training 3/12 done, 40 s"). A unit's failure fails the run with the unit named; the others are cancelled.
 */
final class Units implements AutoCloseable {
    /** A unit's work: returns its result or throws. */
    interface Work<T> {
        T run() throws Exception;
    }

    /** A submitted unit; {@link #get} after {@link #awaitAll}. */
    static final class Result<T> {
        private final String name;
        private final Future<T> future;

        private Result(String name, Future<T> future) {
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

    <T> Result<T> submit(String name, Work<T> work) {
        Result<T> r = new Result<>(name, pool.submit(() -> {
            try {
                return work.run();
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(name + ": " + e, e);
            }
        }));
        pending.add(r);
        return r;
    }

    /** Waits for every unit submitted so far; fails with the first failure (in submission order). */
    void awaitAll(String stage) throws IOException {
        int n = pending.size(), done = 0;
        try {
            for (Result<?> r : pending) {
                try {
                    r.future.get();
                } catch (ExecutionException e) {
                    pending.forEach(p -> p.future.cancel(true));
                    Throwable c = e.getCause();
                    if (c instanceof IOException io) {
                        throw io;
                    }
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new IllegalStateException(r.name + " failed: " + c, c);
                }
                done++;
                if (n > 1) {
                    out.say("backtest: %s %d/%d units done, %.0f s", stage, done, n, (System.nanoTime() - start) / 1e9);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + stage, e);
        } finally {
            pending.clear();
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
