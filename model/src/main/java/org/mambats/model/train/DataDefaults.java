package org.mambats.model.train;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mambats.model.tick.TickCsv;

/**
 * Training defaults chosen from the data, for the options a user did not give: the same command works on a
 * thousand daily bars and on a hundred thousand trades. The rules, each printed when it applies:
 * <ul>
 *   <li><b>Bars or trades</b>: bars when the median time between a symbol's consecutive rows is a minute or more.</li>
 *   <li><b>Horizons</b>: trades {@value #TRADE_HORIZONS} (seconds of market time); bars {@value #BAR_HORIZONS}
 *       (on daily bars a day, a week and a month of trading; time horizons on bars would end before the next bar,
 *       or on a weekend).</li>
 *   <li><b>Volatility half-life</b>: bars {@value #BAR_VOL_HALF_LIFE} rows (RiskMetrics' daily lambda 0.94), trades
 *       {@value #TRADE_VOL_HALF_LIFE} ticks.</li>
 *   <li><b>Window and batch</b>: a TBPTT window of at most 256 ticks and at least 32, an eighth of the training ticks,
 *       and batches of up to 32 windows but at least 4 steps an epoch, so a small set still takes gradient steps.</li>
 * </ul>
 * Everything else (model size, epochs, early stopping on a time-split validation) is the same on every set: the
 * head starts at the baseline and the guard keeps the baseline when validation does not support more.
 */
public final class DataDefaults {
    public static final String TRADE_HORIZONS = "1tick,10s,60s,300s";
    public static final String BAR_HORIZONS = "1tick,5ticks,20ticks";
    public static final double BAR_VOL_HALF_LIFE = 11;
    public static final double TRADE_VOL_HALF_LIFE = 50;
    /** A median spacing at or above this makes a file bars. */
    public static final double BAR_SPACING_SECONDS = 60;

    private DataDefaults() {
    }

    /**
     * What the defaults depend on: how many rows, the median time between a symbol's consecutive rows, and how many
     * symbols share the rows.
     */
    public record Profile(long rows, double medianSpacingSeconds, int symbols) {
        public boolean bars() {
            return medianSpacingSeconds >= BAR_SPACING_SECONDS;
        }

        public String describe() {
            double s = medianSpacingSeconds;
            String spacing = s >= 86_400 ? String.format(Locale.ROOT, "%.1f d", s / 86_400)
                    : s >= 3600 ? String.format(Locale.ROOT, "%.1f h", s / 3600)
                    : s >= 60 ? String.format(Locale.ROOT, "%.1f min", s / 60) : String.format(Locale.ROOT, "%.2f s", s);
            return String.format(Locale.ROOT, "%,d rows%s, median spacing %s: %s", rows, symbols > 1 ? " of " + symbols + " symbols" : "", spacing,
                    bars() ? "bars" : "trades");
        }
    }

    /** Reads the times of {@code location} (only {@code symbol}'s when given); unparseable rows are skipped here. */
    public static Profile scan(String location, String symbol) throws IOException {
        Map<String, Long> last = new HashMap<>();
        long[] gaps = new long[1 << 12];
        int[] n = {0};
        long[] rows = {0};
        TickCsv.read(location, TickCsv.defaultSymbol(symbol), row -> {
            if (!row.parsed() || (symbol != null && !symbol.equals(row.tick().symbol()))) {
                return;
            }
            rows[0]++;
            Long prev = last.put(row.tick().symbol(), row.tick().timeMillis());
            if (prev != null && row.tick().timeMillis() > prev) {
                // A reservoir of the first gaps, then every k-th, is enough for a median.
                long gap = row.tick().timeMillis() - prev;
                if (n[0] < gaps.length) {
                    gaps[n[0]++] = gap;
                } else if (rows[0] % 16 == 0) {
                    gaps[(int) ((rows[0] / 16) % gaps.length)] = gap;
                }
            }
        });
        long[] g = Arrays.copyOf(gaps, n[0]);
        Arrays.sort(g);
        double median = g.length == 0 ? 0 : g[g.length / 2] / 1000.0;
        return new Profile(rows[0], median, last.size());
    }

    /**
     * Sets the options listed in {@link TrainingRecipe#fromData} from the profile, for a set of about
     * {@code trainTicks} training ticks.
     *
     * @return one line per choice, for the user
     */
    public static List<String> apply(TrainingRecipe r, Profile p, long trainTicks) {
        List<String> said = new ArrayList<>();
        if (r.fromData.isEmpty()) {
            return said;
        }
        said.add("defaults from the data (" + p.describe() + "):");
        if (r.fromData.contains(TrainingRecipe.HORIZONS)) {
            r.horizons = p.bars() ? BAR_HORIZONS : TRADE_HORIZONS;
            said.add("  --horizons " + r.horizons);
        }
        if (r.fromData.contains(TrainingRecipe.VOL_HALF_LIFE)) {
            r.volHalfLife = p.bars() ? BAR_VOL_HALF_LIFE : TRADE_VOL_HALF_LIFE;
            said.add("  --vol-half-life " + (long) r.volHalfLife);
        }
        if (r.fromData.contains(TrainingRecipe.WINDOW)) {
            r.window = (int) Math.max(32, Math.min(256, trainTicks / 8));
            said.add("  --window " + r.window);
        }
        if (r.fromData.contains(TrainingRecipe.BATCH)) {
            long windows = Math.max(1, trainTicks / r.window);
            r.batch = (int) Math.max(1, Math.min(32, windows / 4));
            said.add("  --batch " + r.batch);
        }
        return said;
    }
}
