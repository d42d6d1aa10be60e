package org.mambats.model.forecast;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.io.NumberOutput;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;

/**
 * One forecast, as it travels on the forecasts topic and lands in the database: made for {@code symbol} at the
 * event time of the tick with sequence number {@code seq}, for one horizon, as quantiles of the predicted log
 * return (and the implied price levels). {@code (symbol, timeMillis, seq, horizon, model, version)} identifies it:
 * writing it twice stores it once.
 */
public record Forecast(String symbol, long timeMillis, double price, long seq, String horizon, float[] levels, float[] logReturns,
                       String model, String version) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The quantile levels forecast unless told otherwise: 0.1, 0.5 and 0.9, the three that the database's
     * q10/q50/q90 columns, its error views and the dashboard read. A fresh array each call (arrays are mutable).
     */
    public static float[] standardLevels() {
        return new float[] {0.1f, 0.5f, 0.9f};
    }

    /** The price implied by the j-th quantile: price * exp(log return). */
    public double priceLevel(int j) {
        return price * Math.exp(logReturns[j]);
    }

    public byte[] toJson() {
        return new JsonWriter().write(this);
    }

    /**
     * Writes forecasts as JSON: {@code {"symbol":..,"ts":..,"time":"<ISO-8601>","price":..,"seq":..,"horizon":..,
     * "quantiles":{"<level>":<log return>,..},"price_levels":{"<level>":<price>,..},"model":..,"model_version":..}}.
     * The live operator keeps one per thread and writes every forecast through it.
     *
     * <p>Why by hand rather than through a Jackson generator: the layout is fixed, and the generator's per-field
     * bookkeeping and character-by-character string escaping were most of the cost of a forecast, which the live
     * stream writes three of per tick (a quarter of its stream thread's samples in the live-path bench). Here field
     * names are constant bytes, strings that need no escaping are copied as they are (the rest go through Jackson's
     * own escaper), the level labels and the last time's text are remembered, and the numbers are Jackson's: its
     * integer writer and its shortest round-trip float and double formatter, several times faster than
     * Double.toString on JDK 17, so every value parses back to the same float or double. The bytes are exactly
     * those Jackson's generator writes for the same fields (ForecastJsonTest), non-finite numbers included ("NaN"
     * as a string), except characters beyond the Basic Multilingual Plane, written here as UTF-8 where the
     * generator escapes their surrogate pairs. Not thread-safe.
     */
    public static final class JsonWriter {
        private static final byte[] SYMBOL = ascii("{\"symbol\":"), TS = ascii(",\"ts\":"), TIME = ascii(",\"time\":"),
                PRICE = ascii(",\"price\":"), SEQ = ascii(",\"seq\":"), HORIZON = ascii(",\"horizon\":"),
                QUANTILES = ascii(",\"quantiles\":{"), PRICE_LEVELS = ascii("},\"price_levels\":{"), MODEL = ascii("},\"model\":"),
                MODEL_VERSION = ascii(",\"model_version\":");
        private byte[] buf = new byte[512];
        private int len;
        private float[] labelled = new float[0];
        /** {@code "<level>":} for each level of {@link #labelled}. */
        private byte[][] labels = new byte[0][];
        private long timeMillis = Long.MIN_VALUE;
        /** The quoted ISO-8601 text of {@link #timeMillis}. */
        private byte[] timeText;

        public byte[] write(Forecast f) {
            len = 0;
            raw(SYMBOL);
            string(f.symbol);
            raw(TS);
            number(f.timeMillis);
            raw(TIME);
            raw(time(f.timeMillis));
            raw(PRICE);
            number(f.price);
            raw(SEQ);
            number(f.seq);
            raw(HORIZON);
            string(f.horizon);
            byte[][] names = labels(f.levels);
            raw(QUANTILES);
            for (int j = 0; j < names.length; j++) {
                if (j > 0) {
                    comma();
                }
                raw(names[j]);
                number(f.logReturns[j]);
            }
            raw(PRICE_LEVELS);
            for (int j = 0; j < names.length; j++) {
                if (j > 0) {
                    comma();
                }
                raw(names[j]);
                number(f.priceLevel(j));
            }
            raw(MODEL);
            string(f.model);
            raw(MODEL_VERSION);
            string(f.version);
            ensure(1);
            buf[len++] = '}';
            return java.util.Arrays.copyOf(buf, len);
        }

        private byte[] time(long millis) {
            if (millis != timeMillis || timeText == null) {
                timeText = quoted(Instant.ofEpochMilli(millis).toString());
                timeMillis = millis;
            }
            return timeText;
        }

        private byte[][] labels(float[] levels) {
            if (!java.util.Arrays.equals(levels, labelled)) {
                byte[][] l = new byte[levels.length][];
                for (int j = 0; j < levels.length; j++) {
                    byte[] q = quoted(Float.toString(levels[j]));
                    l[j] = java.util.Arrays.copyOf(q, q.length + 1);
                    l[j][q.length] = ':';
                }
                labels = l;
                labelled = levels.clone();
            }
            return labels;
        }

        private void comma() {
            ensure(1);
            buf[len++] = ',';
        }

        private void raw(byte[] bytes) {
            ensure(bytes.length);
            System.arraycopy(bytes, 0, buf, len, bytes.length);
            len += bytes.length;
        }

        /** A JSON string: copied as it is when it is printable ASCII without quotes or backslashes, else escaped. */
        private void string(String s) {
            int n = s.length();
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                    raw(quoted(s));
                    return;
                }
            }
            ensure(n + 2);
            buf[len++] = '"';
            for (int i = 0; i < n; i++) {
                buf[len++] = (byte) s.charAt(i);
            }
            buf[len++] = '"';
        }

        private void number(long v) {
            ensure(20);
            len = NumberOutput.outputLong(v, buf, len);
        }

        private void number(double v) {
            text(NumberOutput.toString(v, true), NumberOutput.notFinite(v));
        }

        private void number(float v) {
            text(NumberOutput.toString(v, true), NumberOutput.notFinite(v));
        }

        /** A formatted number; quoted when it is not finite, as Jackson writes NaN and the infinities by default. */
        private void text(String digits, boolean quote) {
            if (quote) {
                string(digits);
                return;
            }
            int n = digits.length();
            ensure(n);
            for (int i = 0; i < n; i++) {
                buf[len++] = (byte) digits.charAt(i);
            }
        }

        private void ensure(int more) {
            if (len + more > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
            }
        }

        private static byte[] quoted(String s) {
            byte[] escaped = JsonStringEncoder.getInstance().quoteAsUTF8(s);
            byte[] q = new byte[escaped.length + 2];
            q[0] = '"';
            System.arraycopy(escaped, 0, q, 1, escaped.length);
            q[q.length - 1] = '"';
            return q;
        }

        private static byte[] ascii(String s) {
            return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    public static Forecast fromJson(byte[] bytes) throws IOException {
        JsonNode o = JSON.readTree(bytes);
        JsonNode q = o.get("quantiles");
        if (q == null || !q.isObject() || q.size() == 0) {
            throw new IOException("forecast has no quantiles object");
        }
        float[] levels = new float[q.size()];
        float[] values = new float[q.size()];
        int j = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = q.fields(); it.hasNext(); j++) {
            Map.Entry<String, JsonNode> e = it.next();
            levels[j] = Float.parseFloat(e.getKey());
            values[j] = e.getValue().floatValue();
        }
        return new Forecast(o.path("symbol").asText(), o.path("ts").asLong(), o.path("price").asDouble(), o.path("seq").asLong(),
                o.path("horizon").asText(), levels, values, o.path("model").asText(), o.path("model_version").asText());
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Forecast f && symbol.equals(f.symbol) && timeMillis == f.timeMillis
                && Double.compare(price, f.price) == 0 && seq == f.seq && horizon.equals(f.horizon)
                && java.util.Arrays.equals(levels, f.levels) && java.util.Arrays.equals(logReturns, f.logReturns)
                && model.equals(f.model) && version.equals(f.version);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(symbol, timeMillis, seq, horizon, model, version);
    }

    @Override
    public String toString() {
        return new String(toJson(), java.nio.charset.StandardCharsets.UTF_8);
    }
}
