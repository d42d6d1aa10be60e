package org.mambats.model.dataset;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mambats.model.features.TickFeatures;
import org.mambats.model.tick.RowCounts;
import org.mambats.model.tick.Tick;
import org.mambats.model.tick.TickValidator;
import org.mambats.model.tick.ValidatedRows;

/**
 * One symbol's accepted ticks, in arrival order, with their raw features: what training and evaluation see. It
 * is built by the same validator and feature code as the live operator, so a model never trains on inputs the
 * stream would not give it.
 */
public final class TickSeries {
    public final String symbol;
    public final int length;
    /** The symbol's clock: event times, never decreasing (a late tick inside the grace keeps the latest time). */
    public final long[] times;
    public final double[] prices;
    /** [length, F] raw, unnormalised features. */
    public final float[] rawFeatures;
    /** [length, F] the same features in the symbol's own scale ({@link org.mambats.model.features.InputScale#SYMBOL}), unnormalised. */
    public final float[] relativeFeatures;
    /** Seconds since the previous accepted tick (0 for the first). */
    public final double[] elapsedSeconds;
    /** Each tick's 0-based data row in its file. */
    public final long[] rows;

    private TickSeries(String symbol, int length, long[] times, double[] prices, float[] rawFeatures, float[] relativeFeatures,
                       double[] elapsed, long[] rows) {
        this.symbol = symbol;
        this.length = length;
        this.times = times;
        this.prices = prices;
        this.rawFeatures = rawFeatures;
        this.relativeFeatures = relativeFeatures;
        this.elapsedSeconds = elapsed;
        this.rows = rows;
    }

    /** Reads a tick CSV into one series per symbol (only {@code onlySymbol} when given), in order of first appearance. */
    public static Map<String, TickSeries> read(String location, String onlySymbol, double volHalfLifeTicks, long graceMillis,
                                               RowCounts counts) throws IOException {
        TickValidator validator = new TickValidator(graceMillis);
        TickFeatures features = new TickFeatures(volHalfLifeTicks);
        Map<String, Builder> builders = new LinkedHashMap<>();
        ValidatedRows.read(location, onlySymbol, symbol -> {
            Builder b = new Builder(symbol);
            builders.put(symbol, b);
            return b;
        }, (t, b) -> validator.apply(t, b.position), (row, t, b) -> b.add(t, row.index(), features), counts);
        Map<String, TickSeries> out = new LinkedHashMap<>();
        builders.forEach((s, b) -> out.put(s, b.build()));
        return out;
    }

    /** The model inputs of this scale, [length, F], unnormalised. */
    public float[] features(org.mambats.model.features.InputScale scale) {
        return scale == org.mambats.model.features.InputScale.SYMBOL ? relativeFeatures : rawFeatures;
    }

    /** The ticks in [from, to). */
    public TickSeries slice(int from, int to) {
        int n = to - from;
        int f = TickFeatures.COUNT;
        float[] feats = new float[n * f];
        System.arraycopy(rawFeatures, from * f, feats, 0, n * f);
        float[] rel = new float[n * f];
        System.arraycopy(relativeFeatures, from * f, rel, 0, n * f);
        return new TickSeries(symbol, n, java.util.Arrays.copyOfRange(times, from, to), java.util.Arrays.copyOfRange(prices, from, to),
                feats, rel, java.util.Arrays.copyOfRange(elapsedSeconds, from, to), java.util.Arrays.copyOfRange(rows, from, to));
    }

    /** Index of the first tick at or after {@code timeMillis} (length if none). */
    public int indexAtOrAfter(long timeMillis) {
        int i = java.util.Arrays.binarySearch(times, timeMillis);
        if (i < 0) {
            return -i - 1;
        }
        while (i > 0 && times[i - 1] == timeMillis) {
            i--;
        }
        return i;
    }

    private static final class Builder {
        final String symbol;
        final TickValidator.Position position = new TickValidator.Position();
        final TickFeatures.State state = new TickFeatures.State();
        long[] times = new long[1024];
        double[] prices = new double[1024];
        double[] elapsed = new double[1024];
        long[] rows = new long[1024];
        float[] feats = new float[1024 * TickFeatures.COUNT];
        float[] rel = new float[1024 * TickFeatures.COUNT];
        int n;

        Builder(String symbol) {
            this.symbol = symbol;
        }

        void add(Tick t, long row, TickFeatures features) {
            if (n == times.length) {
                int cap = n * 2;
                times = java.util.Arrays.copyOf(times, cap);
                prices = java.util.Arrays.copyOf(prices, cap);
                elapsed = java.util.Arrays.copyOf(elapsed, cap);
                rows = java.util.Arrays.copyOf(rows, cap);
                feats = java.util.Arrays.copyOf(feats, cap * TickFeatures.COUNT);
                rel = java.util.Arrays.copyOf(rel, cap * TickFeatures.COUNT);
            }
            elapsed[n] = features.next(t, state, feats, n * TickFeatures.COUNT, rel, n * TickFeatures.COUNT);
            times[n] = position.lastTimeMillis();
            prices[n] = t.price();
            rows[n] = row;
            n++;
        }

        TickSeries build() {
            return new TickSeries(symbol, n, java.util.Arrays.copyOf(times, n), java.util.Arrays.copyOf(prices, n),
                    java.util.Arrays.copyOf(feats, n * TickFeatures.COUNT), java.util.Arrays.copyOf(rel, n * TickFeatures.COUNT),
                    java.util.Arrays.copyOf(elapsed, n),
                    java.util.Arrays.copyOf(rows, n));
        }
    }
}
