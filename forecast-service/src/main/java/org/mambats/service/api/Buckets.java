package org.mambats.service.api;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The bucket widths the API offers for candles and thinned forecasts: a fixed list, never free text in SQL. */
public final class Buckets {
    private static final Map<String, Duration> WIDTHS = new LinkedHashMap<>();

    static {
        WIDTHS.put("1s", Duration.ofSeconds(1));
        WIDTHS.put("5s", Duration.ofSeconds(5));
        WIDTHS.put("10s", Duration.ofSeconds(10));
        WIDTHS.put("30s", Duration.ofSeconds(30));
        WIDTHS.put("1m", Duration.ofMinutes(1));
        WIDTHS.put("5m", Duration.ofMinutes(5));
        WIDTHS.put("15m", Duration.ofMinutes(15));
        WIDTHS.put("30m", Duration.ofMinutes(30));
        WIDTHS.put("1h", Duration.ofHours(1));
        WIDTHS.put("4h", Duration.ofHours(4));
        WIDTHS.put("1d", Duration.ofDays(1));
    }

    public static final List<String> NAMES = List.copyOf(WIDTHS.keySet());

    private Buckets() {
    }

    /** The width of a named bucket, or null when the name is not offered. */
    public static Duration width(String name) {
        return WIDTHS.get(name);
    }
}
