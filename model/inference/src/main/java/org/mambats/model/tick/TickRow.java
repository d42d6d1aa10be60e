package org.mambats.model.tick;

/**
 * One data row of a tick CSV file: its 0-based index among the data rows, the time exactly as written, and
 * either the parsed tick or the reason it could not be parsed.
 */
public record TickRow(long index, String timeText, Tick tick, String error) {
    public boolean parsed() {
        return tick != null;
    }

    /**
     * The tick, numbered by its row when the file gives it no {@code seq}: the one rule every reader of a file
     * (predict, backtest, training, the demo's replay) follows, so they all number and deduplicate alike.
     */
    public Tick numberedTick() {
        return numberedTick(0);
    }

    /** The same, the row numbers starting at {@code seqStart} ({@code publish --seq-start}, for a second file). */
    public Tick numberedTick(long seqStart) {
        return tick.hasSeq() ? tick : tick.withSeq(seqStart + index);
    }
}
