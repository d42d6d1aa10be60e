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

    public static List<Fold> plan(TickSeries s, Duration train, Duration test, Duration retrain) {
        if (s.length < 2) {
            throw new IllegalArgumentException("walk-forward needs at least 2 ticks");
        }
        long t0 = s.times[0], last = s.times[s.length - 1];
        long tr = train.toMillis(), te = test.toMillis(), re = retrain.toMillis();
        List<Fold> folds = new ArrayList<>();
        for (int k = 0; ; k++) {
            long trainFrom = t0 + k * re;
            long testFrom = trainFrom + tr;
            if (testFrom > last) {
                break;
            }
            boolean next = testFrom + re <= last;
            long testTo = testFrom + (next ? Math.min(te, re) : te);
            int a = s.indexAtOrAfter(trainFrom), b = s.indexAtOrAfter(testFrom), c = s.indexAtOrAfter(testTo);
            if (c > b && b > a) {
                folds.add(new Fold(folds.size() + 1, trainFrom, testFrom, testTo, a, b, c));
            }
        }
        if (folds.isEmpty()) {
            throw new IllegalArgumentException(String.format("the data spans %s, shorter than the training window %s: no fold to test",
                    Durations.format(Duration.ofMillis(last - t0)), Durations.format(train)));
        }
        return folds;
    }
}
