package org.mambats.model.tick;

/** What became of a file's rows: how many were accepted, duplicates, rejected or unparseable, and why. */
public final class RowCounts {
    public long rows, accepted, duplicates, rejected, unparseable;
    /** The rows that did not become ticks, by reason, with the first example of each. */
    public final RejectionSummary reasons = new RejectionSummary();

    @Override
    public String toString() {
        return rows + " rows: " + accepted + " accepted, " + duplicates + " duplicates, " + rejected + " rejected, "
                + unparseable + " unparseable";
    }
}
