package org.mambats.service.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.ingest.bench.BenchModels;
import picocli.CommandLine;

/**
 * {@code ./mamba-ts demo} end to end (with a given checkpoint, so no training): it prints the dashboard address,
 * the real Bitstamp trades flow through the broker, the stream and the sink into the API, and it stops cleanly.
 */
class DemoCommandTest {
    private static final Pattern ADDRESS = Pattern.compile("dashboard:\\s+(http://127\\.0\\.0\\.1:\\d+/)");

    @TempDir
    Path tmp;

    @Test
    void servesLiveBitstampForecastsThenStopsCleanly() throws Exception {
        BenchModels.untrained(tmp.resolve("model"));
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text, true);
        CommandLine cli = new CommandLine(new DemoCommand()).setOut(out);
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cli.execute("--checkpoint", tmp.resolve("model").toString(),
                "--work-dir", tmp.resolve("demo").toString(), "--port", "0", "--rate", "200", "--history-ticks", "300", "--no-backtest",
                "--stop-after", "25"));

        String base = null;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (base == null && System.nanoTime() < deadline && !exit.isDone()) {
            Matcher m = ADDRESS.matcher(text.toString());
            base = m.find() ? m.group(1) : null;
            Thread.sleep(200);
        }
        assertTrue(base != null, "the demo printed its address:\n" + text);

        HttpClient http = HttpClient.newHttpClient();
        ObjectMapper json = new ObjectMapper();
        JsonNode symbols = null;
        while (System.nanoTime() < deadline && !exit.isDone()) {
            symbols = json.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "api/symbols")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            if (symbols.size() == 1 && !symbols.get(0).get("last_forecast").isNull() && !symbols.get(0).get("last_tick").isNull()) {
                break;
            }
            Thread.sleep(500);
        }
        assertEquals("BTCUSD", symbols.get(0).get("symbol").asText(), "Bitstamp forecasts reached the API: " + symbols);
        JsonNode candles = json.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "api/ticks?symbol=BTCUSD&bucket=1m")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).get("candles");
        assertTrue(candles.size() > 0, "candles of the replayed trades");
        double price = candles.get(0).get("close").asDouble();
        assertTrue(price > 100 && price < 2000, "a 2013 BTC/USD price: " + price);

        assertEquals(0, exit.get(2, TimeUnit.MINUTES), "exit status\n" + text);
        String finalBase = base;
        assertThrows(IOException.class, () -> http.send(HttpRequest.newBuilder(URI.create(finalBase + "health")).build(),
                HttpResponse.BodyHandlers.ofString()), "the server is stopped");
        assertTrue(text.toString().contains("demo: stopping"), text.toString());
    }

}
