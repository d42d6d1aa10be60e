package org.mambats.model.bench;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** JMH finds its benchmarks through a list its annotation processor writes at compile time (see model/pom.xml). */
class BenchmarkListTest {
    @Test
    void theBuildGeneratesJmhsBenchmarkList() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/BenchmarkList")) {
            assertNotNull(in, "no META-INF/BenchmarkList: javac did not run JMH's annotation processor");
            String list = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(list.contains(StepBenchmarks.class.getName()), list);
        }
    }
}
