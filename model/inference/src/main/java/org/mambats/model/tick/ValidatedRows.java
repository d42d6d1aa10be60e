package org.mambats.model.tick;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A tick file read the way the live operator reads a topic: each row numbered by its 0-based index when it has no
 * {@code seq} of its own (as {@code publish} numbers it), validated against its symbol's state, and counted with
 * the reason of every row that does not become a tick. Training sets, {@code predict} and backtests all read files
 * through here, so a batch path never sees ticks the stream would not.
 */
public final class ValidatedRows {
    private ValidatedRows() {
    }

    /** Validates a tick against its symbol's state {@code S} (and moves the state on). */
    @FunctionalInterface
    public interface Validation<S> {
        TickValidator.Verdict apply(Tick tick, S state);
    }

    /** Takes an accepted tick with its row and its symbol's state. */
    @FunctionalInterface
    public interface Accepted<S> {
        void accept(TickRow row, Tick tick, S state) throws IOException;
    }

    /**
     * Reads {@code location}: every row of {@code onlySymbol} (all symbols when null), each symbol's state made by
     * {@code newState} at its first row.
     */
    public static <S> void read(String location, String onlySymbol, Function<String, S> newState, Validation<S> validation,
                                Accepted<S> accepted, RowCounts counts) throws IOException {
        Map<String, S> states = new HashMap<>();
        try {
            TickCsv.read(location, TickCsv.defaultSymbol(onlySymbol), (TickRow row) -> {
                counts.rows++;
                if (!row.parsed()) {
                    counts.unparseable++;
                    counts.reasons.add("unparseable", row.index(), row.error());
                    return;
                }
                Tick t = row.numberedTick();
                if (onlySymbol != null && !onlySymbol.equals(t.symbol())) {
                    return;
                }
                S state = states.computeIfAbsent(t.symbol(), newState);
                TickValidator.Verdict v = validation.apply(t, state);
                switch (v.outcome()) {
                    case DUPLICATE -> {
                        counts.duplicates++;
                        counts.reasons.add("duplicate", row.index(), v.reason());
                    }
                    case REJECT -> {
                        counts.rejected++;
                        counts.reasons.add("rejected", row.index(), v.reason());
                    }
                    case ACCEPT -> {
                        counts.accepted++;
                        try {
                            accepted.accept(row, t, state);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
