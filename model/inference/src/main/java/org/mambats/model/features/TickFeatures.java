package org.mambats.model.features;

import java.nio.ByteBuffer;
import java.util.List;
import org.mambats.model.tick.Tick;

/**
 * The model's inputs, computed online from one symbol's accepted ticks, each from the tick itself and what came
 * before it (never after):
 * <ol start="0">
 *   <li>{@code log_return}: ln(price / previous price), 0 on the first tick;</li>
 *   <li>{@code log_elapsed}: ln(1 + seconds since the previous tick), 0 on the first tick;</li>
 *   <li>{@code log_size}: ln(1 + size);</li>
 *   <li>{@code signed_log_size}: log_size signed by the trade's side: by the quote where bid and ask are known
 *       (at or above the mid is a buy), else by the tick rule (the sign of the last non-zero price change);</li>
 *   <li>{@code spread_bps}: (ask - bid) / mid in basis points where the quote is known, else 0;</li>
 *   <li>{@code volatility_bps}: an exponentially weighted RMS of log returns, in basis points, corrected for its
 *       start at zero (divided by {@code 1 - decay^n} after n returns, as Adam corrects its moments), so a symbol's
 *       first ticks do not read as an unnaturally calm market.</li>
 * </ol>
 *
 * <p>The same features in the symbol's own scale ({@link InputScale#SYMBOL}, written by {@link #next} into a second
 * buffer), so that one model reads every symbol alike whatever its price, volatility and trade size:
 * <ol start="0">
 *   <li>the log return over the volatility before it (0 while that is unknown);</li>
 *   <li>{@code log_elapsed} as it is;</li>
 *   <li>{@code log_size} less its running mean (an EWMA with {@value #SLOW_FACTOR} times the volatility's half-life);</li>
 *   <li>the sign of the trade times {@code log_size} over that mean;</li>
 *   <li>the spread over the volatility before the tick;</li>
 *   <li>ln(volatility / its slow counterpart), the slow one an EWMA with {@value #SLOW_FACTOR} times the half-life:
 *       whether the market is calmer or wilder than it has been.</li>
 * </ol>
 */
public final class TickFeatures {
    public static final List<String> NAMES = List.of(
            "log_return", "log_elapsed", "log_size", "signed_log_size", "spread_bps", "volatility_bps");
    public static final int COUNT = 6;

    /** The slow statistics (mean log size, long-run volatility) have this many times the volatility's half-life. */
    public static final int SLOW_FACTOR = 10;

    private final double volHalfLifeTicks;
    private final double volDecay;
    private final double slowDecay;

    public TickFeatures(double volHalfLifeTicks) {
        if (!(volHalfLifeTicks > 0)) {
            throw new IllegalArgumentException("volatility half-life must be > 0 ticks, got " + volHalfLifeTicks);
        }
        this.volHalfLifeTicks = volHalfLifeTicks;
        this.volDecay = Math.pow(0.5, 1.0 / volHalfLifeTicks);
        this.slowDecay = Math.pow(0.5, 1.0 / (SLOW_FACTOR * volHalfLifeTicks));
    }

    public double volHalfLifeTicks() {
        return volHalfLifeTicks;
    }

    /**
     * Writes the raw (unnormalised) features of {@code t} at {@code out[off..off+COUNT)} and advances the state.
     *
     * @return the seconds elapsed since the previous tick (0 for the first, and for a late tick applied in arrival
     *         order)
     */
    public double next(Tick t, State s, float[] out, int off) {
        return next(t, s, out, off, null, 0);
    }

    /**
     * As {@link #next(Tick, State, float[], int)}, and also writes the features in the symbol's own scale at
     * {@code relative[relativeOff..+COUNT)} when {@code relative} is not null.
     */
    public double next(Tick t, State s, float[] out, int off, float[] relative, int relativeOff) {
        double r = s.count == 0 ? 0 : Math.log(t.price() / s.lastPrice);
        double elapsed = s.count == 0 ? 0 : Math.max(0, t.timeMillis() - s.lastTimeMillis) / 1000.0;
        double logSize = Math.log1p(t.size());
        int sign;
        if (t.hasQuote()) {
            sign = t.price() >= 0.5 * (t.bid() + t.ask()) ? 1 : -1;
        } else if (r != 0) {
            sign = r > 0 ? 1 : -1;
        } else {
            sign = s.lastSign;
        }
        double spread = t.hasQuote() ? (t.ask() - t.bid()) / (0.5 * (t.ask() + t.bid())) * 1e4 : 0;
        double volBefore = volatility(s.volVar, volDecay, s.count - 1);
        if (s.count > 0) {
            s.volVar = volDecay * s.volVar + (1 - volDecay) * r * r;
        }
        if (s.slowCount > 0) {
            s.slowVolVar = slowDecay * s.slowVolVar + (1 - slowDecay) * r * r;
        }
        double vol = volatility(s.volVar, volDecay, s.count);
        double slowVol = volatility(s.slowVolVar, slowDecay, s.slowCount);
        out[off] = (float) r;
        out[off + 1] = (float) Math.log1p(elapsed);
        out[off + 2] = (float) logSize;
        out[off + 3] = (float) (sign * logSize);
        out[off + 4] = (float) spread;
        out[off + 5] = (float) (vol * 1e4);
        // The running mean of log size includes this tick, corrected for its start at zero like the volatility.
        s.sizeMean = slowDecay * s.sizeMean + (1 - slowDecay) * logSize;
        double sizeMean = s.sizeMean / startWeight(slowDecay, s.slowCount + 1);
        if (relative != null) {
            int o = relativeOff;
            relative[o] = volBefore > 0 ? (float) (r / volBefore) : 0f;
            relative[o + 1] = out[off + 1];
            relative[o + 2] = (float) (logSize - sizeMean);
            relative[o + 3] = (float) (sizeMean > 1e-9 ? sign * logSize / sizeMean : sign * logSize);
            relative[o + 4] = volBefore > 0 ? (float) (spread * 1e-4 / volBefore) : 0f;
            relative[o + 5] = vol > 0 && slowVol > 0 ? (float) Math.log(vol / slowVol) : 0f;
        }
        s.count++;
        s.slowCount++;
        s.lastPrice = t.price();
        // The first tick sets the clock whatever its sign (history before 1970 has negative epoch times).
        s.lastTimeMillis = s.count == 1 ? t.timeMillis() : Math.max(s.lastTimeMillis, t.timeMillis());
        s.lastSign = sign;
        return elapsed;
    }

    /**
     * An EWMA variance's RMS after {@code returns} returns, corrected for the EWMA's start at zero; 0 before the
     * first return.
     */
    private static double volatility(double ewmaVar, double decay, long returns) {
        if (returns <= 0) {
            return 0;
        }
        return Math.sqrt(ewmaVar / startWeight(decay, returns));
    }

    /** 1 - decay^n: the weight an EWMA started at zero has gathered after n values (1 once that is exact in doubles). */
    private static double startWeight(double decay, long n) {
        // decay^n underflows 1e-17 after about 56 half-lives, where the correction no longer changes a double.
        return n * -Math.log(decay) > 40 ? 1.0 : 1 - Math.pow(decay, n);
    }

    /** What the feature pipeline remembers of one symbol; part of the symbol's streaming state. */
    public static final class State {
        public static final int BYTES = 8 + 8 + 8 + 4 + 8 + 8 + 8 + 8;
        /** The layout before the slow statistics (symbol states "SYM2"). */
        public static final int BYTES_V2 = 8 + 8 + 8 + 4 + 8;
        long count;
        double lastPrice;
        long lastTimeMillis;
        int lastSign;
        double volVar;
        /** Ticks seen by the slow statistics (fewer than count for a state read from the older layout). */
        long slowCount;
        double slowVolVar;
        double sizeMean;

        public long count() {
            return count;
        }

        /** The previous accepted tick's price (0 before the first). */
        public double lastPrice() {
            return lastPrice;
        }

        /** The symbol's clock: the latest event time accepted (0 before the first). */
        public long lastTimeMillis() {
            return lastTimeMillis;
        }

        public void writeTo(ByteBuffer out) {
            out.putLong(count).putDouble(lastPrice).putLong(lastTimeMillis).putInt(lastSign).putDouble(volVar);
            out.putLong(slowCount).putDouble(slowVolVar).putDouble(sizeMean);
        }

        public void readFrom(ByteBuffer in) {
            readFrom(in, false);
        }

        /** @param v2 the older layout, without the slow statistics: they start afresh from here */
        public void readFrom(ByteBuffer in, boolean v2) {
            count = in.getLong();
            lastPrice = in.getDouble();
            lastTimeMillis = in.getLong();
            lastSign = in.getInt();
            volVar = in.getDouble();
            if (v2) {
                slowCount = 0;
                slowVolVar = 0;
                sizeMean = 0;
            } else {
                slowCount = in.getLong();
                slowVolVar = in.getDouble();
                sizeMean = in.getDouble();
            }
        }

        public void copyFrom(State o) {
            count = o.count;
            lastPrice = o.lastPrice;
            lastTimeMillis = o.lastTimeMillis;
            lastSign = o.lastSign;
            volVar = o.volVar;
            slowCount = o.slowCount;
            slowVolVar = o.slowVolVar;
            sizeMean = o.sizeMean;
        }
    }
}
