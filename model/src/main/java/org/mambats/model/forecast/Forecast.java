package org.mambats.model.forecast;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
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
     * Numbers are written with Jackson's shortest round-trip formatter rather than Double.toString: several times
     * faster on JDK 17, and every value parses back to the same float or double.
     */
    private static final JsonFactory WRITER_FACTORY = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();

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
     * The live operator keeps one per thread and writes every forecast through it: it streams the fields (no JSON
     * tree) and remembers the level labels and the last time's text, which all horizons of a tick share.
     * Not thread-safe.
     */
    public static final class JsonWriter {
        private final ByteArrayBuilder buffer = new ByteArrayBuilder(512);
        private float[] labelled = new float[0];
        private String[] labels = new String[0];
        private long timeMillis = Long.MIN_VALUE;
        private String timeText;

        public byte[] write(Forecast f) {
            buffer.reset();
            try (JsonGenerator g = WRITER_FACTORY.createGenerator(buffer)) {
                g.writeStartObject();
                g.writeStringField("symbol", f.symbol);
                g.writeNumberField("ts", f.timeMillis);
                g.writeStringField("time", time(f.timeMillis));
                g.writeNumberField("price", f.price);
                g.writeNumberField("seq", f.seq);
                g.writeStringField("horizon", f.horizon);
                String[] names = labels(f.levels);
                g.writeObjectFieldStart("quantiles");
                for (int j = 0; j < names.length; j++) {
                    g.writeNumberField(names[j], f.logReturns[j]);
                }
                g.writeEndObject();
                g.writeObjectFieldStart("price_levels");
                for (int j = 0; j < names.length; j++) {
                    g.writeNumberField(names[j], f.priceLevel(j));
                }
                g.writeEndObject();
                g.writeStringField("model", f.model);
                g.writeStringField("model_version", f.version);
                g.writeEndObject();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return buffer.toByteArray();
        }

        private String time(long millis) {
            if (millis != timeMillis || timeText == null) {
                timeText = Instant.ofEpochMilli(millis).toString();
                timeMillis = millis;
            }
            return timeText;
        }

        private String[] labels(float[] levels) {
            if (!java.util.Arrays.equals(levels, labelled)) {
                String[] l = new String[levels.length];
                for (int j = 0; j < levels.length; j++) {
                    l[j] = Float.toString(levels[j]);
                }
                labels = l;
                labelled = levels.clone();
            }
            return labels;
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
