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
 *   <li>{@code volatility_bps}: an exponentially weighted RMS of log returns, in basis points.</li>
 * </ol>
 */
public final class TickFeatures {
    public static final List<String> NAMES = List.of(
            "log_return", "log_elapsed", "log_size", "signed_log_size", "spread_bps", "volatility_bps");
    public static final int COUNT = 6;

    private final double volHalfLifeTicks;
    private final double volDecay;

    public TickFeatures(double volHalfLifeTicks) {
        if (!(volHalfLifeTicks > 0)) {
            throw new IllegalArgumentException("volatility half-life must be > 0 ticks, got " + volHalfLifeTicks);
        }
        this.volHalfLifeTicks = volHalfLifeTicks;
        this.volDecay = Math.pow(0.5, 1.0 / volHalfLifeTicks);
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
        s.volVar = s.count == 0 ? 0 : volDecay * s.volVar + (1 - volDecay) * r * r;
        out[off] = (float) r;
        out[off + 1] = (float) Math.log1p(elapsed);
        out[off + 2] = (float) logSize;
        out[off + 3] = (float) (sign * logSize);
        out[off + 4] = (float) spread;
        out[off + 5] = (float) (Math.sqrt(s.volVar) * 1e4);
        s.count++;
        s.lastPrice = t.price();
        // The first tick sets the clock whatever its sign (history before 1970 has negative epoch times).
        s.lastTimeMillis = s.count == 1 ? t.timeMillis() : Math.max(s.lastTimeMillis, t.timeMillis());
        s.lastSign = sign;
        return elapsed;
    }

    /** What the feature pipeline remembers of one symbol; part of the symbol's streaming state. */
    public static final class State {
        public static final int BYTES = 8 + 8 + 8 + 4 + 8;
        long count;
        double lastPrice;
        long lastTimeMillis;
        int lastSign;
        double volVar;

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
        }

        public void readFrom(ByteBuffer in) {
            count = in.getLong();
            lastPrice = in.getDouble();
            lastTimeMillis = in.getLong();
            lastSign = in.getInt();
            volVar = in.getDouble();
        }

        public void copyFrom(State o) {
            count = o.count;
            lastPrice = o.lastPrice;
            lastTimeMillis = o.lastTimeMillis;
            lastSign = o.lastSign;
            volVar = o.volVar;
        }
    }
}
