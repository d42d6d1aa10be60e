package org.mambats.backtest.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.mambats.model.dataset.TickSeries;

/**
 * The walk-forward folds over a series: fold k trains on {@code [t0 + k * retrain, + train)} and forecasts from the
 * end of that window for {@code test}, cut short where the next fold's test window begins (when retraining more
 * often than the test window is long), so every tick is forecast once, by the freshest model. The last fold's
 * test window ends with the data. A fold whose training window would reach past the data is not made.
 */
public final class FoldPlan {
    private FoldPlan() {
    }

    /**
     * One fold, in times and in series indices: train on ticks {@code [trainStart, testStart)}, forecast ticks
     * {@code [testStart, testEnd)}.
     */
    public record Fold(int number, long trainFromMillis, long testFromMillis, long testToMillis, int trainStart, int testStart,
                       int testEnd) {
        public int trainTicks() {
            return testStart - trainStart;
        }

        public int testTicks() {
            return testEnd - testStart;
        }
    }

    /**
     * One fold in time, the same for every symbol of a universe: train on {@code [trainFrom, testFrom)}, forecast
     * {@code [testFrom, testTo)}.
     */
    public record Window(int number, long trainFromMillis, long testFromMillis, long testToMillis) {
        /** This window over one symbol's ticks; null when the symbol has no tick to train on or none to test. */
        public Fold on(TickSeries s) {
            int a = s.indexAtOrAfter(trainFromMillis), b = s.indexAtOrAfter(testFromMillis), c = s.indexAtOrAfter(testToMillis);
            return c > b && b > a ? new Fold(number, trainFromMillis, testFromMillis, testToMillis, a, b, c) : null;
        }
    }

    /** The folds over one series' own time range. */
    public static List<Fold> plan(TickSeries s, Duration train, Duration test, Duration retrain) {
        if (s.length < 2) {
            throw new IllegalArgumentException("walk-forward needs at least 2 ticks");
        }
        List<Fold> folds = new ArrayList<>();
        for (Window w : windows(List.of(s), train, test, retrain)) {
            Fold f = w.on(s);
            if (f != null) {
                folds.add(new Fold(folds.size() + 1, f.trainFromMillis(), f.testFromMillis(), f.testToMillis(), f.trainStart(),
                        f.testStart(), f.testEnd()));
            }
        }
        return folds;
    }

    /**
     * The folds over a universe's time range, from its first tick to its last: a window is kept when at least one
     * symbol has ticks to train on and to test in it; they are numbered from 1 in that order.
     */
    public static List<Window> windows(List<TickSeries> universe, Duration train, Duration test, Duration retrain) {
        long t0 = Long.MAX_VALUE, last = Long.MIN_VALUE;
        for (TickSeries s : universe) {
            if (s.length > 0) {
                t0 = Math.min(t0, s.times[0]);
                last = Math.max(last, s.times[s.length - 1]);
            }
        }
        if (t0 == Long.MAX_VALUE || last <= t0) {
            throw new IllegalArgumentException("walk-forward needs at least 2 ticks");
        }
        long tr = train.toMillis(), te = test.toMillis(), re = retrain.toMillis();
        List<Window> windows = new ArrayList<>();
        for (int k = 0; ; k++) {
            long trainFrom = t0 + k * re;
            long testFrom = trainFrom + tr;
            if (testFrom > last) {
                break;
            }
            boolean next = testFrom + re <= last;
            Window w = new Window(windows.size() + 1, trainFrom, testFrom, testFrom + (next ? Math.min(te, re) : te));
            if (universe.stream().anyMatch(s -> w.on(s) != null)) {
                windows.add(w);
            }
        }
        if (windows.isEmpty()) {
            throw new IllegalArgumentException(String.format("the data spans %s, shorter than the training window %s: no fold to test",
                    Durations.format(Duration.ofMillis(last - t0)), Durations.format(train)));
        }
        return windows;
    }
}
