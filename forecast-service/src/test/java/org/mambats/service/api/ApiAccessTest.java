package org.mambats.service.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.ingest.db.Database;
import org.mambats.ingest.kafka.KafkaConnection;
import org.mambats.service.ForecastService;
import org.mambats.service.live.LiveForecastFeed;
import org.mambats.service.metrics.ServiceMetrics;

/**
 * Who may read the service: the token's two forms, refusals (a JSON 401 with a browser challenge), the open health
 * check, the refusal to serve beyond loopback without a token, and the cap on live clients (that a place frees when a
 * client leaves is shown by the load test, which waits for the server to notice).
 */
class ApiAccessTest {
    static final String TOKEN = "0123456789abcdef-token";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path tmp;
    static Database db;

    @BeforeAll
    static void database() throws Exception {
        db = Database.open(null, tmp.resolve("pg"), 4);
    }

    @AfterAll
    static void close() {
        db.close();
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theTokenIsAcceptedAsBearerOrAsABasicPassword() {
        ApiAccess a = ApiAccess.token(TOKEN);
        assertTrue(a.required());
        assertTrue(a.permits("/api/symbols", "Bearer " + TOKEN));
        assertTrue(a.permits("/api/symbols", "bearer  " + TOKEN + " "));
        assertTrue(a.permits("/", basic("analyst", TOKEN)));
        assertTrue(a.permits("/", basic("", TOKEN)), "any user name");
        assertFalse(a.permits("/api/symbols", null));
        assertFalse(a.permits("/api/symbols", ""));
        assertFalse(a.permits("/api/symbols", "Bearer "));
        assertFalse(a.permits("/api/symbols", "Bearer " + TOKEN + "x"));
        assertFalse(a.permits("/api/symbols", "Bearer " + TOKEN.substring(1)));
        assertFalse(a.permits("/api/symbols", TOKEN), "a bare token is no scheme");
        assertFalse(a.permits("/", basic(TOKEN, "wrong")), "the token is the password, not the user");
        assertFalse(a.permits("/", "Basic " + TOKEN), "not base64 of user:password");
        assertFalse(a.permits("/", "Basic !!!"));
        assertTrue(a.permits("/health", null), "health checks carry no credentials");
        assertFalse(a.permits("/health/../api/symbols", null));
        assertTrue(ApiAccess.open().permits("/api/symbols", null));
    }

    @Test
    void weakOrUnreadableTokensAreRefused() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> ApiAccess.token("short"));
        assertThrows(IllegalArgumentException.class, () -> ApiAccess.token("sixteen chars   with spaces"));
        assertThrows(IllegalArgumentException.class, () -> ApiAccess.tokenFile(tmp.resolve("missing")));
        Path file = tmp.resolve("token");
        Files.writeString(file, TOKEN + "\n");
        assertTrue(ApiAccess.tokenFile(file).permits("/", "Bearer " + TOKEN), "the trailing line break is not part of the token");
        Path big = tmp.resolve("big");
        Files.write(big, new byte[10_000]);
        assertThrows(IllegalArgumentException.class, () -> ApiAccess.tokenFile(big));
    }

    @Test
    void presentedTokenReadsBothSchemes() {
        assertEquals(TOKEN, new String(ApiAccess.presentedToken("Bearer " + TOKEN), StandardCharsets.UTF_8));
        assertEquals("p:w", new String(ApiAccess.presentedToken(basic("u", "p:w")), StandardCharsets.UTF_8), "the first colon splits");
        assertNull(ApiAccess.presentedToken("Digest x"));
        assertNull(ApiAccess.presentedToken("Basic " + Base64.getEncoder().encodeToString("nocolon".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void loopbackIsToldFromEveryInterface() {
        assertTrue(ApiAccess.loopbackOnly("127.0.0.1"));
        assertTrue(ApiAccess.loopbackOnly("::1"));
        assertTrue(ApiAccess.loopbackOnly("localhost"));
        assertFalse(ApiAccess.loopbackOnly("0.0.0.0"));
        assertFalse(ApiAccess.loopbackOnly("::"));
    }

    @Test
    void anOpenServiceBeyondLoopbackIsRefusedUnlessAskedFor() {
        ForecastService.Settings open = new ForecastService.Settings("0.0.0.0", 0, null, "forecasts", "ticks", "ticks-dlq", null, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ForecastService.start(db, open, new ServiceMetrics()));
        assertTrue(e.getMessage().contains("--insecure-no-auth") && e.getMessage().contains("--api-token-file"), e.getMessage());
        try (ForecastService s = ForecastService.start(db, open.withAccess(ApiAccess.open(), true), new ServiceMetrics())) {
            assertTrue(s.port() > 0, "served open when told so");
        }
    }

    @Test
    void aServiceOnEveryInterfaceRefusesRequestsWithoutTheToken() throws Exception {
        ForecastService.Settings s = new ForecastService.Settings("0.0.0.0", 0, null, "forecasts", "ticks", "ticks-dlq", null, null)
                .withAccess(ApiAccess.token(TOKEN), false);
        try (ForecastService service = ForecastService.start(db, s, new ServiceMetrics())) {
            String base = "http://127.0.0.1:" + service.port();
            for (String path : List.of("/", "/index.html", "/api/symbols", "/api/forecasts?symbol=X", "/metrics", "/openapi.json",
                    "/api/stream", "/no/such/path")) {
                HttpResponse<String> r = get(base + path, null);
                assertEquals(401, r.statusCode(), path + " -> " + r.body());
                assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic realm="), path + ": a browser challenge");
                assertTrue(r.body().contains("\"unauthorized\""), path + " -> " + r.body());
                assertEquals(401, get(base + path, "Bearer wrong-token-0123456789").statusCode(), path + " with a wrong token");
            }
            assertEquals(200, get(base + "/health", null).statusCode(), "the health check is open");
            assertEquals(200, get(base + "/api/symbols", "Bearer " + TOKEN).statusCode());
            assertEquals(200, get(base + "/openapi.json", basic("analyst", TOKEN)).statusCode());
            HttpResponse<String> page = get(base + "/", basic("analyst", TOKEN));
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<html"), "the dashboard itself");
        }
    }

    @Test
    void liveClientsBeyondTheCapAreRefused() throws Exception {
        LiveForecastFeed feed = new LiveForecastFeed(KafkaConnection.to("127.0.0.1:1"), "forecasts"); // never started: no Kafka needed
        ForecastApi api = new ForecastApi(db.dataSource(), db.timescale(), feed, new ServiceMetrics(), null).maxLiveClients(2);
        api.start("127.0.0.1", 0);
        List<java.util.concurrent.CompletableFuture<HttpResponse<java.util.stream.Stream<String>>>> open = new ArrayList<>();
        try {
            String url = "http://127.0.0.1:" + api.port() + "/api/stream";
            for (int i = 0; i < 2; i++) {
                open.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream").build(),
                        HttpResponse.BodyHandlers.ofLines()));
                assertEquals(200, open.get(i).get(10, java.util.concurrent.TimeUnit.SECONDS).statusCode());
            }
            waitFor(() -> api.liveClientCount() == 2);
            HttpResponse<String> third = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, third.statusCode(), third.body());
            assertEquals("30", third.headers().firstValue("Retry-After").orElse(""));
            assertTrue(third.body().contains("maximum of 2 live clients"), third.body());

        } finally {
            for (var f : open) {
                f.thenAccept(r -> r.body().close());
            }
            api.close();
        }
    }

    static HttpResponse<String> get(String url, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out");
            Thread.sleep(20);
        }
    }
}
