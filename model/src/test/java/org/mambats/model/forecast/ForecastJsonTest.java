package org.mambats.model.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The forecast's JSON form: fields, order and numbers that read back exactly, whichever way it is written. */
class ForecastJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The same layout through Jackson's generator, fast number writer on: what the hand-written writer must match. */
    private static byte[] throughJacksonGenerator(Forecast f) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build().createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("symbol", f.symbol());
            g.writeNumberField("ts", f.timeMillis());
            g.writeStringField("time", Instant.ofEpochMilli(f.timeMillis()).toString());
            g.writeNumberField("price", f.price());
            g.writeNumberField("seq", f.seq());
            g.writeStringField("horizon", f.horizon());
            g.writeObjectFieldStart("quantiles");
            for (int j = 0; j < f.levels().length; j++) {
                g.writeNumberField(Float.toString(f.levels()[j]), f.logReturns()[j]);
            }
            g.writeEndObject();
            g.writeObjectFieldStart("price_levels");
            for (int j = 0; j < f.levels().length; j++) {
                g.writeNumberField(Float.toString(f.levels()[j]), f.priceLevel(j));
            }
            g.writeEndObject();
            g.writeStringField("model", f.model());
            g.writeStringField("model_version", f.version());
            g.writeEndObject();
        }
        return bytes.toByteArray();
    }

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
            assertArrayEquals(throughJacksonGenerator(f), bytes, () -> "as Jackson's generator writes it: " + f);
            Forecast back = Forecast.fromJson(bytes);
            assertEquals(f, back);
            JsonNode o = JSON.readTree(bytes);
            assertEquals(Instant.ofEpochMilli(f.timeMillis()).toString(), o.get("time").asText());
            for (int j = 0; j < f.levels().length; j++) {
                assertEquals(f.priceLevel(j), o.get("price_levels").get(Float.toString(f.levels()[j])).doubleValue());
            }
        }
    }

    @Test
    void awkwardStringsAndNonFiniteNumbersComeOutAsJacksonWritesThem() throws Exception {
        Forecast.JsonWriter shared = new Forecast.JsonWriter();
        String[] strings = {"", "BTC/USD", "tab\there", "line\nbreak", "nul\u0000", "del\u007f", "quote\"", "back\\slash", "é",
                "emoji \uD83D\uDCC8", "\u2028"};
        float[] odd = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0.0f, Float.MAX_VALUE, Float.MIN_VALUE};
        for (int i = 0; i < strings.length; i++) {
            String str = strings[i];
            Forecast f = new Forecast(str, -5L + i, i == 0 ? Double.NaN : 1e300 * i, Long.MIN_VALUE + i, str, new float[] {0.1f, 0.5f, 0.9f},
                    new float[] {odd[i % odd.length], odd[(i + 1) % odd.length], 1e-7f}, str, str);
            if (str.codePoints().anyMatch(Character::isSupplementaryCodePoint)) {
                // The generator escapes these as a surrogate pair (\\uD83D\\uDCC8); the writer writes their UTF-8.
                assertEquals(JSON.readTree(throughJacksonGenerator(f)), JSON.readTree(shared.write(f)), () -> "for " + str);
            } else {
                assertArrayEquals(throughJacksonGenerator(f), shared.write(f), () -> "for " + str);
            }
            JsonNode o = JSON.readTree(shared.write(f));
            assertEquals(str, o.get("symbol").asText());
            assertEquals(str, o.get("model_version").asText());
        }
    }
}
