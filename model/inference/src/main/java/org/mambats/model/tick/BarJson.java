package org.mambats.model.tick;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * Bars in ta4j's JSON form ({@code ETH-USD-PT5M-2023-3-13_2023-3-15.json} in ta4j-examples):
 * {@code {"name":"ETH/USD_PT5M@BinanceUS","ohlc":[{"endTime":1678730699999,"closePrice":1672.99,"volume":65.3,...}]}}.
 * Each bar becomes a tick at its end time, at its close, with its volume as the size; the symbol is the name up to
 * the first underscore ("ETH/USD"), or the caller's when the file has no name.
 */
final class BarJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private BarJson() {
    }

    static void read(InputStream in, String location, String defaultSymbol, Consumer<TickRow> sink) throws IOException {
        JsonNode root = JSON.readTree(in);
        JsonNode bars = root == null ? null : root.get("ohlc");
        if (bars == null || !bars.isArray()) {
            throw new IOException(location + ": a JSON bar file needs an \"ohlc\" array of bars");
        }
        String name = root.path("name").asText("");
        String symbol = name.isEmpty() ? defaultSymbol : name.split("_", 2)[0];
        long index = 0;
        for (JsonNode bar : bars) {
            String timeText = bar.path("endTime").asText("");
            try {
                if (!bar.path("endTime").isIntegralNumber()) {
                    throw new IllegalArgumentException("bar without an integral endTime");
                }
                long millis = TickTime.numericEpochMillis(bar.get("endTime").longValue(), "epoch milliseconds");
                JsonNode close = bar.get("closePrice");
                if (close == null || !close.isNumber()) {
                    throw new IllegalArgumentException("bar without a numeric closePrice");
                }
                double volume = bar.path("volume").isNumber() ? bar.get("volume").doubleValue() : 0;
                sink.accept(new TickRow(index, timeText, new Tick(symbol, millis, close.doubleValue(), volume, Double.NaN,
                        Double.NaN, Tick.NO_SEQ), null));
            } catch (IllegalArgumentException e) {
                sink.accept(new TickRow(index, timeText, null, e.getMessage()));
            }
            index++;
        }
    }
}
