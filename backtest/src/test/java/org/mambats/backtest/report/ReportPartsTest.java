package org.mambats.backtest.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportPartsTest {
    @TempDir
    Path tmp;

    @Test
    void metricsJsonHasNoNaN() throws Exception {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("a", Double.NaN).put("b", 1.5);
        o.putArray("c").add(Double.POSITIVE_INFINITY).add(2);
        o.putObject("d").put("e", Float.NaN);
        Path f = tmp.resolve("m.json");
        MetricsJson.write(o, f);
        JsonNode back = new ObjectMapper().readTree(f.toFile());
        assertTrue(back.get("a").isNull());
        assertEquals(1.5, back.get("b").asDouble());
        assertTrue(back.get("c").get(0).isNull());
        assertEquals(2, back.get("c").get(1).asInt());
        assertTrue(back.get("d").get("e").isNull());
    }

    @Test
    void axisTicksAndLabels() {
        assertArrayEquals(new double[] {0, 0.2, 0.4, 0.6, 0.8, 1.0}, Plot.niceTicks(0, 1, 6), 1e-12);
        assertArrayEquals(new double[] {950, 1000, 1050, 1100, 1150, 1200}, Plot.niceTicks(955, 1190, 6), 1e-9);
        assertEquals(1, Plot.decimals(new double[] {0, 0.2}));
        assertEquals("1,050", Plot.format(1050, 0));
        assertEquals(3_600_000L, Plot.timeStep(6 * 3_600_000L), "an hour per tick over six hours");
        assertEquals("80", Charts.pct(0.9f - 0.1f));
        assertEquals("12.5", Charts.pct(0.125f));
        assertEquals("a &lt;b&gt; &amp; &quot;c&quot;", HtmlReport.esc("a <b> & \"c\""));
    }
}
