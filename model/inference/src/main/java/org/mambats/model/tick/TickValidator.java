package org.mambats.model.tick;

import java.nio.ByteBuffer;

/**
 * Decides, for each tick of a symbol, whether it may reach the model ({@code docs/ARCHITECTURE.md}, "Facts the code relies on").
 * A tick with a non-finite or non-positive price, a negative or non-finite size, a missing symbol, an implausible
 * time, a bad quote, or a time too far out of order is rejected with a reason; a repeat of a tick already seen
 * is a duplicate. Nothing else is ever fed to the model: a NaN that reached the hidden state would poison every
 * later forecast of the symbol.
 *
 * <p><b>Out-of-order policy.</b> Ticks of one symbol are applied in arrival order. A tick whose event time is
 * earlier than the latest accepted one by at most {@code graceMillis} is accepted and applied in arrival order as
 * if no time had passed (elapsed time 0); the symbol's clock does not move backwards. A tick later than that is
 * rejected.
 *
 * <p><b>Duplicates.</b> With sequence numbers: a sequence number at or below the last accepted one. Without: the
 * same time, price and size as one of the last {@value Position#RECENT} accepted ticks.
 *
 * <p><b>Sequence numbers.</b> A symbol's ticks are numbered or not: a tick without {@code seq} after ticks that had
 * one is rejected (it would carry no number into its forecasts and could not be told from a redelivery). A
 * symbol whose ticks never had one is deduplicated by content, and its forecasts carry {@code seq} -1.
 *
 * <p><b>Corrupt prices.</b> A price more than {@link #DEFAULT_BAND_RATIO} times above or below the last accepted
 * one (1e-300 after 100, a price in cents after dollars, a fat finger's extra zero) is rejected. No single tick of a
 * real market moves that far, but a market can move there: when {@link #DEFAULT_CONFIRMATIONS} out-of-band ticks in a
 * row agree with each other (within {@link #CONFIRM_TOLERANCE} of the first), the last of them is accepted and the
 * new level becomes the reference, so the state never stays stuck at the old level. The ticks before it went to the
 * dead-letter topic with their reason, so they are not lost either. A fixed ratio rather than a multiple of the
 * running volatility: it needs no warm-up, means the same at any tick rate, and a volatility-based band would
 * reject real gaps (an open after a weekend) as well.
 */
public final class TickValidator {
    /**
     * 1900-01-01 and 2100-01-01: event times outside are garbage. History of any era in between is fine (a 1991
     * index, a 1996 FX series); a unit mistake in a numeric epoch (seconds for milliseconds) is caught where the
     * number is read, see {@link TickTime}.
     */
    static final long MIN_TIME = -2_208_988_800_000L;
    static final long MAX_TIME = 4_102_444_800_000L;

    /** Default price band: a tick's price within this factor of the last accepted price, either way. */
    public static final double DEFAULT_BAND_RATIO = 4;
    /** Default number of agreeing out-of-band ticks in a row that confirm a new level (the last one is accepted). */
    public static final int DEFAULT_CONFIRMATIONS = 3;
    /** Out-of-band ticks agree when each is within this fraction of the first of them. */
    public static final double CONFIRM_TOLERANCE = 0.10;
    /** The reason a tick without a sequence number after numbered ones is rejected with. */
    public static final String MISSING_SEQ = "no seq after ticks that had one";
    /** The reason a price-band rejection starts with. */
    public static final String PRICE_BAND = "price outside the band";

    /** Default out-of-order grace: a tick up to 2 s older than the symbol's latest is applied, not rejected. */
    public static final long DEFAULT_GRACE_MILLIS = 2000;
    private final long graceMillis;
    private final double logBand;
    private final int confirmations;

    public TickValidator(long graceMillis) {
        this(graceMillis, DEFAULT_BAND_RATIO, DEFAULT_CONFIRMATIONS);
    }

    /**
     * @param bandRatio     a price more than this factor from the last accepted one is out of band (> 1; infinite: no band)
     * @param confirmations agreeing out-of-band ticks in a row that move the reference (>= 1)
     */
    public TickValidator(long graceMillis, double bandRatio, int confirmations) {
        if (graceMillis < 0) {
            throw new IllegalArgumentException("out-of-order grace must be >= 0 ms, got " + graceMillis);
        }
        if (!(bandRatio > 1) || confirmations < 1) {
            throw new IllegalArgumentException("price band needs a ratio > 1 and >= 1 confirmation, got " + bandRatio
                    + " and " + confirmations);
        }
        this.graceMillis = graceMillis;
        this.logBand = Math.log(bandRatio);
        this.confirmations = confirmations;
    }

    public long graceMillis() {
        return graceMillis;
    }

    public enum Outcome { ACCEPT, DUPLICATE, REJECT }

    /** The decision on one tick; {@code reason} says why for a duplicate or a rejection. */
    public record Verdict(Outcome outcome, String reason) {
        static final Verdict ACCEPTED = new Verdict(Outcome.ACCEPT, null);

        public boolean accepted() {
            return outcome == Outcome.ACCEPT;
        }
    }

    /**
     * Why an event time (epoch ms) is not one a tick can have (before 1900 or after 2099), or null.
     */
    public static String timeProblem(long timeMillis) {
        return timeMillis < MIN_TIME || timeMillis > MAX_TIME
                ? "implausible event time " + timeMillis + " ms since epoch (before 1900 or after 2099)" : null;
    }

    /** Checks the fields alone, with no history: what any consumer can check before looking at state. */
    public static String fieldProblem(Tick t) {
        if (t.symbol() == null || t.symbol().isBlank()) {
            return "missing symbol";
        }
        String time = timeProblem(t.timeMillis());
        if (time != null) {
            return time;
        }
        if (!Double.isFinite(t.price())) {
            return "non-finite price " + t.price();
        }
        if (t.price() <= 0) {
            return "non-positive price " + t.price();
        }
        if (!Double.isFinite(t.size())) {
            return "non-finite size " + t.size();
        }
        if (t.size() < 0) {
            return "negative size " + t.size();
        }
        if (!Double.isNaN(t.bid()) && (!Double.isFinite(t.bid()) || t.bid() <= 0)) {
            return "invalid bid " + t.bid();
        }
        if (!Double.isNaN(t.ask()) && (!Double.isFinite(t.ask()) || t.ask() <= 0)) {
            return "invalid ask " + t.ask();
        }
        if (t.hasQuote() && t.bid() > t.ask()) {
            return "crossed quote: bid " + t.bid() + " > ask " + t.ask();
        }
        return null;
    }

    /** Judges {@code t} against what the symbol has seen; does not change {@code p}. */
    public Verdict check(Tick t, Position p) {
        String problem = fieldProblem(t);
        if (problem != null) {
            return new Verdict(Outcome.REJECT, problem);
        }
        if (p.count > 0) {
            if (t.hasSeq() && p.lastSeq != Tick.NO_SEQ && t.seq() <= p.lastSeq) {
                // A redelivered tick cannot be newer than every accepted one; this one is, so its source most likely
                // numbered it afresh (a second file published from seq 0). Still dropped: the sequence is what
                // recovery's replay relies on. The reason says what to do.
                return new Verdict(Outcome.DUPLICATE, t.timeMillis() > p.lastTimeMillis
                        ? "sequence " + t.seq() + " not after the last accepted " + p.lastSeq + " although the tick is newer: did its "
                                + "source restart its numbering? (publish --seq-start continues it)"
                        : "sequence " + t.seq() + " already seen (last accepted " + p.lastSeq + ")");
            }
            if (!t.hasSeq() && p.lastSeq != Tick.NO_SEQ) {
                // Once a symbol's ticks are numbered, recovery's replay and the forecasts' keys rely on the numbers:
                // an unnumbered tick among them cannot be told from a redelivery, nor ordered.
                return new Verdict(Outcome.REJECT, MISSING_SEQ + " (the last accepted was " + p.lastSeq
                        + "); number every tick of a symbol, or none (publish numbers them)");
            }
            if (!t.hasSeq() && p.seenRecently(fingerprint(t))) {
                return new Verdict(Outcome.DUPLICATE, "same time, price and size as a recent tick");
            }
            long lateBy = p.lastTimeMillis - t.timeMillis();
            if (lateBy > graceMillis) {
                return new Verdict(Outcome.REJECT, "out of order: " + lateBy + " ms before the latest tick (grace " + graceMillis + " ms)");
            }
            if (outOfBand(t, p) && !confirms(t, p)) {
                return new Verdict(Outcome.REJECT, String.format(java.util.Locale.ROOT,
                        "%s: %s is %.3g times the last accepted price %s (band 1/%.3g to %.3gx); accepted once %d agreeing ticks "
                                + "in a row confirm the new level (%d so far)", PRICE_BAND, t.price(), t.price() / p.lastPrice,
                        p.lastPrice, Math.exp(logBand), Math.exp(logBand), confirmations, agreeing(t, p) + 1));
            }
        }
        return Verdict.ACCEPTED;
    }

    /**
     * Judges {@code t} and records it: an accepted tick as {@link #accept} does, an out-of-band one as a candidate
     * for a new level. What the stepper and the training data reader both call, so they accept the same ticks.
     */
    public Verdict apply(Tick t, Position p) {
        Verdict v = check(t, p);
        if (v.accepted()) {
            accept(t, p);
        } else if (v.outcome() == Outcome.REJECT && p.count > 0 && outOfBand(t, p)) {
            int n = agreeing(t, p);
            if (n == 0) {
                p.suspectPrice = t.price();
            }
            p.suspects = n + 1;
        }
        return v;
    }

    private boolean outOfBand(Tick t, Position p) {
        return p.lastPrice > 0 && Math.abs(Math.log(t.price() / p.lastPrice)) > logBand;
    }

    /** How many out-of-band ticks in a row before {@code t} agree with it (0: it starts a new candidate level). */
    private static int agreeing(Tick t, Position p) {
        return p.suspects > 0 && Math.abs(t.price() / p.suspectPrice - 1) <= CONFIRM_TOLERANCE ? p.suspects : 0;
    }

    private boolean confirms(Tick t, Position p) {
        return agreeing(t, p) + 1 >= confirmations;
    }

    /** Records an accepted tick. */
    public void accept(Tick t, Position p) {
        if (t.hasSeq()) {
            p.lastSeq = t.seq();
        }
        p.lastTimeMillis = p.count == 0 ? t.timeMillis() : Math.max(p.lastTimeMillis, t.timeMillis());
        p.remember(fingerprint(t));
        p.lastPrice = t.price();
        p.suspects = 0;
        p.suspectPrice = 0;
        p.count++;
    }

    static long fingerprint(Tick t) {
        long h = t.timeMillis();
        h = h * 0x9E3779B97F4A7C15L + Double.doubleToLongBits(t.price());
        h = h * 0x9E3779B97F4A7C15L + Double.doubleToLongBits(t.size());
        return h;
    }

    /** What the validator remembers of one symbol; part of the symbol's streaming state. */
    public static final class Position {
        public static final int RECENT = 8;
        public static final int BYTES = 8 + 8 + 8 + 4 + 8 * RECENT + 8 + 8 + 4;
        long count;
        long lastTimeMillis;
        long lastSeq = Tick.NO_SEQ;
        int next;
        /** The last accepted price: the price band's reference. */
        double lastPrice;
        /** Out-of-band ticks in a row that agree, and the price of the first of them (0 when none). */
        double suspectPrice;
        int suspects;
        final long[] recent = new long[RECENT];

        public long count() {
            return count;
        }

        public long lastTimeMillis() {
            return lastTimeMillis;
        }

        public long lastSeq() {
            return lastSeq;
        }

        boolean seenRecently(long fp) {
            int n = (int) Math.min(count, RECENT);
            for (int i = 0; i < n; i++) {
                if (recent[i] == fp) {
                    return true;
                }
            }
            return false;
        }

        void remember(long fp) {
            recent[next] = fp;
            next = (next + 1) % RECENT;
        }

        public void writeTo(ByteBuffer out) {
            out.putLong(count).putLong(lastTimeMillis).putLong(lastSeq).putInt(next);
            for (long r : recent) {
                out.putLong(r);
            }
            out.putDouble(lastPrice).putDouble(suspectPrice).putInt(suspects);
        }

        public void readFrom(ByteBuffer in) {
            count = in.getLong();
            lastTimeMillis = in.getLong();
            lastSeq = in.getLong();
            next = in.getInt();
            for (int i = 0; i < RECENT; i++) {
                recent[i] = in.getLong();
            }
            lastPrice = in.getDouble();
            suspectPrice = in.getDouble();
            suspects = in.getInt();
        }

        public void copyFrom(Position o) {
            count = o.count;
            lastTimeMillis = o.lastTimeMillis;
            lastSeq = o.lastSeq;
            next = o.next;
            System.arraycopy(o.recent, 0, recent, 0, RECENT);
            lastPrice = o.lastPrice;
            suspectPrice = o.suspectPrice;
            suspects = o.suspects;
        }
    }
}
