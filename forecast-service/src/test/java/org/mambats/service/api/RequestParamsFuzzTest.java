package org.mambats.service.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Any query string on any endpoint is either accepted, with every typed value readable and every time range
 * bounded, or refused with a 400 naming the parameter; no other exception reaches the request thread. Names are
 * drawn mostly from the endpoint's own parameters so that the values' parsers are what gets fuzzed.
 */
class RequestParamsFuzzTest {
    @FuzzTest
    @DictionaryEntries({"BTCUSD", "1tick", "10s", "300s", "1m", "1h", "2013-11-25T12:00:00Z", "1385380800000", "1385380800",
            "-1", "9999999999999999", "+1000000000-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "../", "%00", "' OR 1=1 --"})
    void anyQueryIsAcceptedWithReadableValuesOrRefusedWith400(FuzzedDataProvider data) {
        Endpoint endpoint = data.pickValue(ApiCatalog.ALL);
        Map<String, List<String>> query = new HashMap<>();
        Map<String, String> path = new HashMap<>();
        int n = data.consumeInt(0, 5);
        for (int i = 0; i < n; i++) {
            String name = endpoint.params().isEmpty() || data.consumeBoolean() && data.consumeBoolean() ? data.consumeString(20)
                    : data.pickValue(endpoint.params()).name();
            List<String> values = new ArrayList<>();
            values.add(data.consumeString(60));
            if (data.consumeInt(0, 15) == 0) {
                values.add(data.consumeString(10));
            }
            if (endpoint.params().stream().anyMatch(p -> p.name().equals(name) && p.in() == Endpoint.In.PATH)) {
                path.put(name, values.get(0));
            } else {
                query.merge(name, values, (a, b) -> {
                    a.addAll(b);
                    return a;
                });
            }
        }
        RequestParams p;
        try {
            p = RequestParams.of(endpoint, query, path);
        } catch (ApiException refused) {
            assertEquals(400, refused.status(), refused.getMessage());
            return;
        }
        for (Endpoint.Param d : endpoint.params()) {
            if (!p.has(d.name())) {
                continue;
            }
            switch (d.type()) {
                case TIME -> assertTrue(p.time(d.name()) != null, d.name());
                case BUCKET -> assertTrue(p.bucket(d.name()).isPositive(), d.name());
                case ID -> assertTrue(p.id(d.name()) > 0, d.name());
                default -> assertTrue(!p.text(d.name()).isBlank(), d.name());
            }
        }
        try {
            RequestParams.TimeRange r = p.range(Instant.parse("2013-11-25T12:00:00Z"), ApiCatalog.DEFAULT_WINDOW, ApiCatalog.MAX_ERROR_RANGE, "");
            assertTrue(r.from().isBefore(r.to()), "a range is never empty");
        } catch (ApiException refused) {
            assertEquals(400, refused.status(), refused.getMessage());
        }
    }
}
