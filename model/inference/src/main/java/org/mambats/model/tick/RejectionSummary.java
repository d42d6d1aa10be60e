package org.mambats.model.tick;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rows of a file that did not become ticks, by reason: how many of each kind, and the first example, so a user
 * sees at once why a 1996 series lost rows (and which), not only a count. A reason's kind is its text up to the
 * first number, colon or parenthesis ("out of order", "non-positive price"), so values do not split a kind.
 */
public final class RejectionSummary {
    /** Kinds kept apart; beyond this many the rest are counted as "other". */
    static final int MAX_KINDS = 32;

    private final Map<String, Kind> kinds = new LinkedHashMap<>();

    private static final class Kind {
        long count;
        final long firstRow;
        final String firstReason;

        Kind(long firstRow, String firstReason) {
            this.firstRow = firstRow;
            this.firstReason = firstReason;
        }
    }

    /** Counts one row: {@code outcome} is "rejected", "duplicate" or "unparseable"; {@code row} is 0-based. */
    public void add(String outcome, long row, String reason) {
        String text = reason == null ? "(no reason)" : reason;
        String key = outcome + ": " + kindOf(text);
        if (!kinds.containsKey(key) && kinds.size() >= MAX_KINDS) {
            key = outcome + ": other";
        }
        kinds.computeIfAbsent(key, k -> new Kind(row, text)).count++;
    }

    static String kindOf(String reason) {
        int end = reason.length();
        for (int i = 0; i < reason.length(); i++) {
            char c = reason.charAt(i);
            if (Character.isDigit(c) || c == ':' || c == '(' || c == '\'' || c == '-' && i + 1 < end && Character.isDigit(reason.charAt(i + 1))) {
                end = i;
                break;
            }
        }
        String k = reason.substring(0, end).trim();
        return k.isEmpty() ? reason.length() > 40 ? reason.substring(0, 40) : reason : k;
    }

    public boolean isEmpty() {
        return kinds.isEmpty();
    }

    /** How many rows of this outcome and kind ("rejected: out of order"), 0 if none. */
    public long count(String outcomeAndKind) {
        Kind k = kinds.get(outcomeAndKind);
        return k == null ? 0 : k.count;
    }

    /** One line per kind, most frequent first: count, kind, and the first example with its row (1-based). */
    public List<String> lines() {
        List<Map.Entry<String, Kind>> sorted = new ArrayList<>(kinds.entrySet());
        sorted.sort((a, b) -> Long.compare(b.getValue().count, a.getValue().count));
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Kind> e : sorted) {
            Kind k = e.getValue();
            out.add(String.format(Locale.ROOT, "%,d %s (first: data row %,d: %s)", k.count, e.getKey(), k.firstRow + 1,
                    k.firstReason.length() > 200 ? k.firstReason.substring(0, 200) + "..." : k.firstReason));
        }
        return out;
    }
}
