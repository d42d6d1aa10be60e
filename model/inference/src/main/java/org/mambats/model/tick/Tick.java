package org.mambats.model.tick;

/**
 * One trade (and, where the source has it, the quote at that moment) of one symbol.
 *
 * @param symbol     instrument name, e.g. "BTCUSD"
 * @param timeMillis event time, epoch milliseconds (UTC)
 * @param price      trade price
 * @param size       traded amount, zero or more
 * @param bid        best bid, or NaN when unknown
 * @param ask        best ask, or NaN when unknown
 * @param seq        per-symbol sequence number, or {@link #NO_SEQ} when the source has none
 */
public record Tick(String symbol, long timeMillis, double price, double size, double bid, double ask, long seq) {
    public static final long NO_SEQ = -1;

    public static Tick trade(String symbol, long timeMillis, double price, double size, long seq) {
        return new Tick(symbol, timeMillis, price, size, Double.NaN, Double.NaN, seq);
    }

    public boolean hasQuote() {
        return !Double.isNaN(bid) && !Double.isNaN(ask);
    }

    public boolean hasSeq() {
        return seq != NO_SEQ;
    }

    public Tick withSeq(long newSeq) {
        return new Tick(symbol, timeMillis, price, size, bid, ask, newSeq);
    }
}
