package org.mambats.model.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The forecast's JSON form: fields, order and numbers that read back exactly, whichever way it is written. */
class ForecastJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Forecast random(SplittableRandom rnd, float[] levels, int i) {
        float[] q = new float[levels.length];
        for (int j = 0; j < q.length; j++) {
            // Mostly typical log returns, sometimes awkward floats: subnormal, large, negative zero.
            q[j] = switch (rnd.nextInt(8)) {
                case 0 -> Float.MIN_VALUE * rnd.nextInt(1, 1000);
                case 1 -> -0.0f;
                case 2 -> (float) (rnd.nextDouble(-1, 1) * 50);
                default -> (float) (rnd.nextGaussian() * 1e-4);
            };
        }
        return new Forecast("SYM\"" + (i % 7) + "\\é", 1_700_000_000_000L + i * 137L, 100 * Math.exp(rnd.nextGaussian() * 1e-2),
                i, "h" + (i % 3), levels, q, "model-" + (i % 2), "v" + i);
    }

    @Test
    void fieldsComeInTheDocumentedOrderWithTheDocumentedValues() throws Exception {
        float[] levels = {0.1f, 0.5f, 0.9f};
        Forecast f = new Forecast("BTCUSD", 1_385_337_600_250L, 800.01, 42, "10s", levels, new float[] {-1e-3f, 2e-4f, 3e-3f},
                "mamba-forecaster", "abc");
        JsonNode o = JSON.readTree(f.toJson());
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("symbol", "ts", "time", "price", "seq", "horizon", "quantiles", "price_levels", "model", "model_version"), names);
        assertEquals("BTCUSD", o.get("symbol").asText());
        assertEquals(1_385_337_600_250L, o.get("ts").asLong());
        assertEquals("2013-11-25T00:00:00.250Z", o.get("time").asText());
        assertEquals(800.01, o.get("price").asDouble());
        assertEquals(42, o.get("seq").asLong());
        assertEquals("10s", o.get("horizon").asText());
        List<String> labels = new ArrayList<>();
        o.get("quantiles").fieldNames().forEachRemaining(labels::add);
        assertEquals(List.of("0.1", "0.5", "0.9"), labels);
        assertEquals(-1e-3f, o.get("quantiles").get("0.1").floatValue());
        assertEquals(800.01 * Math.exp(3e-3f), o.get("price_levels").get("0.9").doubleValue());
        assertEquals("mamba-forecaster", o.get("model").asText());
        assertEquals("abc", o.get("model_version").asText());
    }

    @Test
    void everyNumberReadsBackExactlyAndOneWriterMatchesFreshOnes() throws Exception {
        SplittableRandom rnd = new SplittableRandom(7);
        float[] levels = {0.05f, 0.1f, 0.5f, 0.9f, 0.95f};
        float[] otherLevels = {0.25f, 0.75f};
        Forecast.JsonWriter shared = new Forecast.JsonWriter();
        for (int i = 0; i < 2_000; i++) {
            // Several forecasts per time stamp and a change of levels now and then, as the writer caches both.
            Forecast f = random(rnd, i % 50 < 40 ? levels : otherLevels, i / 3);
            byte[] bytes = shared.write(f);
            assertArrayEquals(f.toJson(), bytes, "a reused writer writes what a fresh one does");
            Forecast back = Forecast.fromJson(bytes);
            assertEquals(f, back);
            JsonNode o = JSON.readTree(bytes);
            assertEquals(Instant.ofEpochMilli(f.timeMillis()).toString(), o.get("time").asText());
            for (int j = 0; j < f.levels().length; j++) {
                assertEquals(f.priceLevel(j), o.get("price_levels").get(Float.toString(f.levels()[j])).doubleValue());
            }
        }
    }
}
