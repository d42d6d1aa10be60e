package org.mambats.model.forecast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

    /** The price implied by the j-th quantile: price * exp(log return). */
    public double priceLevel(int j) {
        return price * Math.exp(logReturns[j]);
    }

    public byte[] toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("symbol", symbol);
        o.put("ts", timeMillis);
        o.put("time", Instant.ofEpochMilli(timeMillis).toString());
        o.put("price", price);
        o.put("seq", seq);
        o.put("horizon", horizon);
        ObjectNode q = o.putObject("quantiles");
        ObjectNode p = o.putObject("price_levels");
        for (int j = 0; j < levels.length; j++) {
            q.put(Float.toString(levels[j]), logReturns[j]);
            p.put(Float.toString(levels[j]), priceLevel(j));
        }
        o.put("model", model);
        o.put("model_version", version);
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
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
