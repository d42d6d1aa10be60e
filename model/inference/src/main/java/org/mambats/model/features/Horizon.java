package org.mambats.model.features;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How far ahead a forecast looks: a number of ticks ({@code 1tick}, {@code 10ticks}) or a time ({@code 10s},
 * {@code 5m}, {@code 1h}, {@code 1d}). A day is 24 hours of calendar time, like the other time units: the outcome
 * is the last price at or before {@code t + h}, so on daily bars {@code 1d} is the next bar (Friday's over the
 * weekend) and {@code 7d} a week; five trading days ahead is {@code 5ticks}. The label is kept exactly as the user wrote it.
 */
public record Horizon(String label, boolean inTicks, long amount) {
    private static final Pattern FORM = Pattern.compile("(\\d+)\\s*(ticks?|s|m|h|d)");

    public Horizon {
        if (amount <= 0) {
            throw new IllegalArgumentException("horizon " + label + " must be positive");
        }
    }

    public static Horizon parse(String text) {
        String label = text.trim();
        Matcher m = FORM.matcher(label.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("bad horizon '" + text + "': use a number with tick/ticks, s, m, h or d, e.g. 1tick, 10s, 5m, 1h, 5d");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "tick", "ticks" -> new Horizon(label, true, n);
            case "s" -> new Horizon(label, false, n * 1000);
            case "m" -> new Horizon(label, false, n * 60_000);
            case "h" -> new Horizon(label, false, n * 3_600_000);
            default -> new Horizon(label, false, n * 86_400_000);
        };
    }

    /** Parses a comma-separated list such as {@code 1tick,10s,60s,300s}; labels must be unique. */
    public static List<Horizon> parseList(String text) {
        List<Horizon> out = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                Horizon h = parse(part);
                if (out.stream().anyMatch(o -> o.label.equals(h.label))) {
                    throw new IllegalArgumentException("horizon " + h.label + " is given twice");
                }
                out.add(h);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no horizons in '" + text + "'");
        }
        return out;
    }

    /** Milliseconds for a time horizon. */
    public long millis() {
        if (inTicks) {
            throw new IllegalStateException(label + " is counted in ticks");
        }
        return amount;
    }
}
