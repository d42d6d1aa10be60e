package org.mambats.model.tick;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * Event times as files and messages carry them: ISO-8601 (any year: a 1991 index is history, not a mistake), or a
 * numeric epoch. A numeric epoch can be in the wrong unit (seconds or microseconds read as milliseconds), which
 * shows as a time far outside the years a feed plausibly carries: numbers outside
 * [{@link #NUMERIC_FROM}, {@link #NUMERIC_TO}) are refused with that reason. ISO times are never checked for it.
 */
public final class TickTime {
    /** 2000-01-01: a numeric epoch before it is most likely seconds given as milliseconds. */
    public static final Instant NUMERIC_FROM = Instant.parse("2000-01-01T00:00:00Z");
    /** 2100-01-01: a numeric epoch after it is most likely microseconds given as milliseconds. */
    public static final Instant NUMERIC_TO = Instant.parse("2100-01-01T00:00:00Z");

    private TickTime() {
    }

    /** Checks a numeric epoch in milliseconds against the plausible range; returns it. */
    public static long numericEpochMillis(long millis, String unit) {
        if (millis < NUMERIC_FROM.toEpochMilli() || millis >= NUMERIC_TO.toEpochMilli()) {
            throw new IllegalArgumentException("implausible numeric time " + Instant.ofEpochMilli(millis) + " read as " + unit
                    + ": numeric epochs must fall in [" + NUMERIC_FROM + ", " + NUMERIC_TO + ") (seconds for milliseconds?); "
                    + "give older history as ISO-8601 times");
        }
        return millis;
    }

    /** Epoch milliseconds (all digits, range-checked) or ISO-8601 (a date, a date-time, with or without an offset: UTC). */
    public static long parse(String text) {
        String s = text.trim();
        if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
            try {
                return numericEpochMillis(Long.parseLong(s), "epoch milliseconds");
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("unparseable time '" + s + "'");
            }
        }
        try {
            return Instant.parse(s).toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try the other ISO forms below
        }
        try {
            return OffsetDateTime.parse(s).toInstant().toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try a local date-time
        }
        try {
            return LocalDateTime.parse(s.replace(' ', 'T')).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try a date alone (daily bars)
        }
        try {
            return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("unparseable time '" + s + "' (expected ISO-8601 or epoch milliseconds)");
        }
    }
}
