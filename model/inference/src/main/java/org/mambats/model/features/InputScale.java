package org.mambats.model.features;

import java.util.Locale;

/**
 * Which features a model reads: the ticks' own numbers, or those numbers in the symbol's own scale (see
 * {@link TickFeatures}). The first is what checkpoints before the universe work read; new models read the second,
 * so one model serves symbols of any price, volatility and size, and a model trained in a calm year reads a wild one
 * as wild rather than as out of range.
 */
public enum InputScale {
    /** log return, size, spread and volatility as the ticks give them. */
    ABSOLUTE,
    /** each relative to the symbol's running statistics. */
    SYMBOL;

    /** The checkpoint settings' spelling. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static InputScale parse(String key) {
        for (InputScale s : values()) {
            if (s.key().equals(key)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown input scale '" + key + "'; known: absolute, symbol");
    }
}
