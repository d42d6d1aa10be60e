package org.mambats.model.tick;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The JSON form of a tick on Kafka: {@code {"symbol":"BTCUSD","ts":1385337600000,"price":800.01,"size":0.1,
 * "bid":800.0,"ask":800.1,"seq":0}}, with {@code ts} in epoch milliseconds or ISO-8601 and {@code bid},
 * {@code ask}, {@code seq} optional. Numbers may also arrive as strings; non-finite values ({@code NaN},
 * {@code Infinity}) are read as such so the validator can reject them by name.
 */
public final class TickJson {
    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    private TickJson() {
    }

    /** A parsed tick, or why the bytes are not one. */
    public record Parsed(Tick tick, String error) {
    }

    public static Parsed parse(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return new Parsed(null, "empty message");
        }
        JsonNode n;
        try (JsonParser p = JSON.createParser(bytes)) {
            n = JSON.readTree(p);
            if (p.nextToken() != null) {
                return new Parsed(null, "malformed JSON: trailing content after the tick object");
            }
        } catch (IOException e) {
            return new Parsed(null, "malformed JSON: " + firstLine(e.getMessage()));
        }
        if (n == null || !n.isObject()) {
            return new Parsed(null, "a tick must be a JSON object");
        }
        try {
            JsonNode sym = n.get("symbol");
            String symbol = sym == null || sym.isNull() ? null : sym.asText();
            long ts = time(n.get("ts"));
            double price = number(n, "price", true);
            double size = number(n, "size", true);
            double bid = number(n, "bid", false);
            double ask = number(n, "ask", false);
            long seq = Tick.NO_SEQ;
            JsonNode s = n.get("seq");
            if (s != null && !s.isNull()) {
                if (!s.canConvertToExactIntegral() || s.longValue() < 0) {
                    throw new IllegalArgumentException("seq must be a non-negative integer, got " + s);
                }
                seq = s.longValue();
            }
            return new Parsed(new Tick(symbol, ts, price, size, bid, ask, seq), null);
        } catch (IllegalArgumentException e) {
            return new Parsed(null, e.getMessage());
        }
    }

    private static long time(JsonNode ts) {
        if (ts == null || ts.isNull()) {
            throw new IllegalArgumentException("missing ts");
        }
        if (ts.isIntegralNumber()) {
            return TickTime.numericEpochMillis(ts.longValue(), "epoch milliseconds");
        }
        if (ts.isTextual()) {
            return TickCsv.parseTime(ts.asText());
        }
        throw new IllegalArgumentException("unparseable time " + ts);
    }

    private static double number(JsonNode n, String field, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IllegalArgumentException("missing " + field);
            }
            return Double.NaN;
        }
        double d;
        if (v.isNumber()) {
            d = v.doubleValue();
        } else if (v.isTextual()) {
            try {
                d = Double.parseDouble(v.asText().trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(field + " is not a number: \"" + v.asText() + "\"");
            }
        } else {
            throw new IllegalArgumentException(field + " is not a number: " + v);
        }
        if (!required && !Double.isFinite(d)) {
            // An optional quote field that is present must be a real number; "absent" is spelled by leaving it out.
            throw new IllegalArgumentException("non-finite " + field + " " + d);
        }
        return d;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    public static byte[] write(Tick t) {
        ObjectNode o = JSON.createObjectNode();
        o.put("symbol", t.symbol());
        o.put("ts", t.timeMillis());
        o.put("price", t.price());
        o.put("size", t.size());
        if (!Double.isNaN(t.bid())) {
            o.put("bid", t.bid());
        }
        if (!Double.isNaN(t.ask())) {
            o.put("ask", t.ask());
        }
        if (t.hasSeq()) {
            o.put("seq", t.seq());
        }
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
