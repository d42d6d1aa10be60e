package org.mambats.model.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.model.features.Horizon;
import org.mambats.model.features.TickFeatures;
import org.mambats.model.mamba.MambaConfig;
import org.mambats.model.math.FastMath;

/**
 * The forecasts' bits do not depend on the machine's vector width: the same checkpoint and ticks give the same
 * digest in JVMs that run every SIMD loop 4, 8 and 16 lanes wide ({@code -Dmambats.simd.bits}; widths the
 * hardware lacks run on the Vector API's plain-Java fallback, slowly but with the same arithmetic). So a
 * backtest on one machine and the live stream on another agree, and a task that moves to another machine
 * replays to exactly the state it had.
 */
class VectorWidthTest {
    @TempDir
    Path tmp;

    @org.junit.jupiter.params.ParameterizedTest(name = "tied decays {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void forecastsAreTheSameBitsAtEveryVectorWidth(boolean tiedDecays) throws Exception {
        // Widths chosen so that every loop has a scalar tail at some vector width: D = 18, E = 36, N = 5.
        MambaConfig c = new MambaConfig(18, 2, 5, 2, 36, 4, 2, 1e-5f, true, false).withTiedDecays(tiedDecays);
        List<Horizon> horizons = Horizon.parseList("1tick,5s");
        ForecasterWeights w = ForecasterWeights.initialize(c, TickFeatures.COUNT, horizons.size(), 3, 9);
        ForecastModel.Settings s = new ForecastModel.Settings();
        s.horizons = horizons;
        s.targetScale = new float[] {1e-3f, 3e-3f};
        s.featureMean = new float[TickFeatures.COUNT];
        s.featureStd = new float[TickFeatures.COUNT];
        java.util.Arrays.fill(s.featureStd, 1f);
        s.deltaTimeScaling = true;
        Path ckpt = tmp.resolve("ckpt");
        ForecastModel.save(ckpt, w, s);
        String here = StepDigest.digest(ForecastModel.load(ckpt), 3_000);

        for (int bits : new int[] {128, 256, 512}) {
            String there = digestInChild(ckpt, bits);
            assertEquals(here, there, "digest with " + bits + "-bit vectors (here: " + FastMath.F.vectorBitSize() + " bits)");
        }
    }

    private static String digestInChild(Path ckpt, int bits) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Dmambats.simd.bits=" + bits, "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), StepDigest.class.getName(), ckpt.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child with " + bits + " bits did not finish");
        assertEquals(0, p.exitValue(), out);
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1].strip();
    }
}
