package org.mambats.service.api;

import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The parameters of one request, checked against its {@link Endpoint}: unknown names, repeated values, values of the
 * wrong shape and missing required ones are refused with a 400 that says which and why. Values leave this class typed
 * (Instant, long, Duration) or matched against a strict pattern, and reach SQL only as bound parameters.
 */
public final class RequestParams {
    private static final Pattern SYMBOL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,31}");
    private static final Pattern HORIZON = Pattern.compile("[0-9]{1,6}(tick|ticks|ms|s|m|h)");
    private static final Pattern TEXT = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern DIGITS = Pattern.compile("-?[0-9]{1,15}");
    /** Far enough for any market history, near enough that arithmetic on it never overflows. */
    private static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
    /** Epoch milliseconds below this (March 1973) are taken for seconds written by mistake, and refused with a hint. */
    private static final long SECONDS_LOOK_ALIKE = 100_000_000_000L;
    private static final Instant LATEST = Instant.parse("2200-01-01T00:00:00Z");

    private final Endpoint endpoint;
    private final Map<String, String> values = new HashMap<>();

    private RequestParams(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** Reads and checks every parameter of the request. */
    public static RequestParams of(Endpoint endpoint, Context ctx) {
        return of(endpoint, ctx.queryParamMap(), ctx.pathParamMap());
    }

    static RequestParams of(Endpoint endpoint, Map<String, List<String>> query, Map<String, String> path) {
        RequestParams p = new RequestParams(endpoint);
        Map<String, Endpoint.Param> declared = endpoint.params().stream()
                .collect(Collectors.toMap(Endpoint.Param::name, x -> x));
        for (Map.Entry<String, List<String>> e : query.entrySet()) {
            Endpoint.Param d = declared.get(e.getKey());
            if (d == null || d.in() != Endpoint.In.QUERY) {
                String allowed = endpoint.params().stream().filter(x -> x.in() == Endpoint.In.QUERY).map(Endpoint.Param::name)
                        .collect(Collectors.joining(", "));
                throw ApiException.badRequest("unknown parameter '" + printable(e.getKey()) + "'"
                        + (allowed.isEmpty() ? "; this endpoint takes none" : "; allowed: " + allowed));
            }
            if (e.getValue().size() != 1) {
                throw ApiException.badRequest("parameter '" + d.name() + "' given " + e.getValue().size() + " times; give it once");
            }
            p.put(d, e.getValue().get(0));
        }
        for (Map.Entry<String, String> e : path.entrySet()) {
            Endpoint.Param d = declared.get(e.getKey());
            if (d != null) {
                p.put(d, e.getValue());
            }
        }
        for (Endpoint.Param d : endpoint.params()) {
            if (d.required() && !p.values.containsKey(d.name())) {
                throw ApiException.badRequest("parameter '" + d.name() + "' is required (" + d.type().format + ")");
            }
        }
        return p;
    }

    private void put(Endpoint.Param d, String raw) {
        String v = raw == null ? "" : raw.trim();
        if (v.isEmpty()) {
            throw ApiException.badRequest("parameter '" + d.name() + "' is empty; expected " + d.type().format);
        }
        boolean ok = switch (d.type()) {
            case SYMBOL -> SYMBOL.matcher(v).matches();
            case HORIZON -> HORIZON.matcher(v).matches();
            case BUCKET -> Buckets.width(v) != null;
            case TEXT -> TEXT.matcher(v).matches();
            case ID -> DIGITS.matcher(v).matches() && !v.startsWith("-") && Long.parseLong(v) > 0;
            case TIME -> parseTime(v) != null;
        };
        if (ok && d.type() == Endpoint.Type.TIME && DIGITS.matcher(v).matches() && Long.parseLong(v) < SECONDS_LOOK_ALIKE) {
            throw ApiException.badRequest("parameter '" + d.name() + "' = " + v + " reads as epoch milliseconds, " + parseTime(v)
                    + "; for epoch seconds write " + v + "000");
        }
        if (!ok) {
            throw ApiException.badRequest("parameter '" + d.name() + "' has an invalid value '" + printable(v) + "': expected "
                    + d.type().format);
        }
        values.put(d.name(), v);
    }

    private static Instant parseTime(String v) {
        Instant t;
        if (DIGITS.matcher(v).matches()) {
            t = Instant.ofEpochMilli(Long.parseLong(v));
        } else {
            try {
                t = Instant.parse(v);
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        return t.isBefore(EARLIEST) || t.isAfter(LATEST) ? null : t;
    }

    /** Echo user input in an error safely: short, and only printable ASCII. */
    static String printable(String s) {
        String cut = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7E]", "?").replace("'", "?");
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public String text(String name) {
        return values.get(name);
    }

    public Instant time(String name) {
        String v = values.get(name);
        return v == null ? null : parseTime(v);
    }

    public long id(String name) {
        return Long.parseLong(values.get(name));
    }

    public Duration bucket(String name) {
        String v = values.get(name);
        return v == null ? null : Buckets.width(v);
    }

    /**
     * The [from, to) range of the request. Missing ends default relative to {@code latest} (the newest data of the
     * symbol, not the wall clock: replayed history is often years old): to = latest + 1 ms, from = to - window.
     * Refused when from is not before to, or when the range is longer than {@code max}.
     */
    public TimeRange range(Instant latest, Duration defaultWindow, Duration max, String hint) {
        Instant from = time("from");
        Instant to = time("to");
        if (to == null) {
            to = from != null ? from.plus(defaultWindow) : (latest == null ? Instant.now() : latest.plusMillis(1));
        }
        if (from == null) {
            from = to.minus(defaultWindow);
        }
        if (!from.isBefore(to)) {
            throw ApiException.badRequest("empty time range: 'from' (" + from + ") must be before 'to' (" + to + ")");
        }
        Duration len = Duration.between(from, to);
        if (len.compareTo(max) > 0) {
            throw ApiException.badRequest("time range too long: " + human(len) + " > " + human(max) + " allowed" + hint);
        }
        return new TimeRange(from, to);
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s % 86_400 == 0 && s > 0) {
            return (s / 86_400) + " d";
        }
        if (s % 3600 == 0 && s > 0) {
            return (s / 3600) + " h";
        }
        return s >= 60 ? (s / 60) + " min" : s + " s";
    }

    /** A half-open time range [from, to). */
    public record TimeRange(Instant from, Instant to) {
    }
}
