package org.mambats.backtest.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.model.tick.RowCounts;
import org.mambats.model.dataset.SyntheticTicks;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.features.Horizon;

/** Each baseline against what it is defined to do, on synthetic AR(1) ticks (one a second, one volatility regime). */
class BaselinesTest {
    static final float[] LEVELS = {0.1f, 0.5f, 0.9f};
    static final double PHI = 0.5, SIGMA = 2e-4;
    @TempDir
    static Path tmp;
    static TickSeries series;

    @BeforeAll
    static void data() throws Exception {
        Path csv = tmp.resolve("ar.csv");
        new SyntheticTicks(6000, PHI, SIGMA, SIGMA, 1, 1000, 21).writeCsv(csv, "AR");
        series = TickSeries.read(csv.toString(), null, 50, 0, new RowCounts()).get("AR");
    }

    static FitWindow window(String horizons, int n) {
        return new FitWindow(series.slice(0, n), Horizon.parseList(horizons), LEVELS, 0.2, 3);
    }

    @Test
    void noChangeIsZeroMedianAndTheTrainingQuantiles() {
        FitWindow w = window("1tick,10s", 4000);
        float[] out = new float[10 * 6];
        new NoChangeBaseline().fit(w).forecast(series.slice(0, 4010), 4000, out);
        for (int h = 0; h < 2; h++) {
            float[] v = new float[4000];
            int m = 0;
            for (int i = 0; i < 4000; i++) {
                if (Float.isFinite(w.target(i, h))) {
                    v[m++] = w.target(i, h);
                }
            }
            float[] sorted = java.util.Arrays.copyOf(v, m);
            java.util.Arrays.sort(sorted);
            assertEquals(sorted[(int) Math.floor(0.1 * m)], out[h * 3], 0);
            assertEquals(0f, out[h * 3 + 1], 0);
            assertEquals(sorted[(int) Math.floor(0.9 * m)], out[h * 3 + 2], 0);
        }
        for (int k = 1; k < 10; k++) {
            assertArrayEquals(java.util.Arrays.copyOfRange(out, 0, 6), java.util.Arrays.copyOfRange(out, k * 6, k * 6 + 6), "constant");
        }
    }

    /** What the LSTM trains on before its validation part: targets from training prices only. */
    @Test
    void trainingTargetsUseNoValidationPrice() {
        FitWindow w = window("1tick,10s", 4000);
        int v = w.validationStart;
        assertTrue(v > 3000 && v < 3400, "validation starts at " + v);
        TickSeries changed = series.slice(0, 4000);
        for (int i = v; i < 4000; i++) {
            changed.prices[i] *= 1.01;
        }
        FitWindow other = new FitWindow(changed, Horizon.parseList("1tick,10s"), LEVELS, 0.2, 3);
        int cut = 0;
        for (int i = 0; i < v; i++) {
            for (int h = 0; h < 2; h++) {
                assertEquals(w.trainingTarget(i, h), other.trainingTarget(i, h), 0, "tick " + i + " moved with validation prices");
                if (Float.isNaN(w.trainingTarget(i, h)) && Float.isFinite(w.target(i, h))) {
                    cut++; // its outcome lies in the validation part: the whole-window target would use it
                } else {
                    assertEquals(w.target(i, h), w.trainingTarget(i, h), 0);
                }
            }
        }
        assertTrue(cut >= 10, "the last ~10 s of training ticks have their 10s outcome in the validation part: " + cut);
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class, () -> w.trainingTarget(v, 0));
    }

    @Test
    void noChangeQuantilesOnAWorkedExample() throws Exception {
        // Prices 100, 101, 100, 102, 102, 99: 1-tick targets ln(101/100), ln(100/101), ln(102/100), 0, ln(99/102), NaN.
        Path csv = tmp.resolve("six.csv");
        java.nio.file.Files.writeString(csv, "symbol,ts,price,size\nX,1700000000000,100,1\nX,1700000001000,101,1\nX,1700000002000,100,1\n"
                + "X,1700000003000,102,1\nX,1700000004000,102,2\nX,1700000005000,99,1\n");
        TickSeries s = TickSeries.read(csv.toString(), null, 50, 0, new RowCounts()).get("X");
        FitWindow w = new FitWindow(s, Horizon.parseList("1tick"), new float[] {0.2f, 0.5f, 0.8f}, 0, 1);
        float[] out = new float[3];
        new NoChangeBaseline().fit(w).forecast(s, 5, out);
        // Sorted: ln(99/102), ln(100/101), 0, ln(101/100), ln(102/100); n = 5: q0.2 -> index 1, q0.8 -> index 4.
        assertEquals((float) Math.log(100.0 / 101), out[0], 1e-7);
        assertEquals(0f, out[1], 0);
        assertEquals((float) Math.log(102.0 / 100), out[2], 1e-7);
    }

    @Test
    void arRecoversTheProcess() {
        FitWindow w = window("1tick,2ticks", 5000);
        Baseline.Fitted f = new ArBaseline().fit(w);
        JsonNode d = f.describe();
        JsonNode one = d.path("1tick");
        assertEquals(PHI, one.path("lag_coefficients").get(0).asDouble(), 0.04, d.toString());
        assertEquals(SIGMA, one.path("residual_sd").asDouble(), SIGMA * 0.05);
        assertEquals(1, one.path("order").asInt(), "BIC picks the true order");
        // Two ticks ahead: r_{t+1} + r_{t+2} = (phi + phi^2) r_t + noise.
        assertEquals(PHI + PHI * PHI, d.path("2ticks").path("lag_coefficients").get(0).asDouble(), 0.06);

        // The forecast is the regression plus Gaussian quantiles.
        float[] out = new float[10 * 6];
        TickSeries stream = series.slice(0, 5010);
        f.forecast(stream, 5000, out);
        double b0 = one.path("intercept").asDouble(), b1 = one.path("lag_coefficients").get(0).asDouble(), sd = one.path("residual_sd").asDouble();
        double z = new NormalDistribution(null, 0, 1).inverseCumulativeProbability(0.9);
        for (int k = 0; k < 10; k++) {
            double r = FitWindow.logReturn(stream, 5000 + k);
            assertEquals(b0 + b1 * r, out[k * 6 + 1], 1e-9);
            assertEquals(b0 + b1 * r + sd * z, out[k * 6 + 2], 1e-9);
            assertEquals(b0 + b1 * r - sd * z, out[k * 6], 1e-9);
        }
    }

    @Test
    void ewmaFollowsItsRecursion() {
        FitWindow w = window("1tick,10s", 3000);
        Baseline.Fitted f = new EwmaBaseline().fit(w);
        JsonNode d = f.describe();
        double hl = d.path("half_life_ticks").asDouble(), v0 = d.path("initial_variance").asDouble();
        double a = Math.pow(0.5, 1 / hl);
        TickSeries stream = series.slice(0, 3100);
        float[] out = new float[100 * 6];
        f.forecast(stream, 3000, out);
        double m = 0, v = v0;
        double z = new NormalDistribution(null, 0, 1).inverseCumulativeProbability(0.9);
        for (int i = 0; i < 3100; i++) {
            double r = i == 0 ? 0 : FitWindow.logReturn(stream, i);
            m = a * m + (1 - a) * r;
            v = a * v + (1 - a) * r * r;
            if (i >= 3000) {
                for (int h = 0; h < 2; h++) {
                    String label = h == 0 ? "1tick" : "10s";
                    double n = d.path("horizons").path(label).path("ticks_ahead").asDouble();
                    double k = d.path("horizons").path(label).path("variance_ratio").asDouble();
                    int base = (i - 3000) * 6 + h * 3;
                    assertEquals(m * n, out[base + 1], 1e-9);
                    assertEquals(m * n + Math.sqrt(k * v) * z, out[base + 2], 1e-9);
                }
            }
        }
        // One tick a second: 10s spans 10 ticks; the variance of a 10-tick sum of this AR(1) is far above 10x one tick's.
        assertEquals(10, d.path("horizons").path("10s").path("ticks_ahead").asDouble(), 0.01);
        assertEquals(1, d.path("horizons").path("1tick").path("variance_ratio").asDouble(), 0.05);
        assertTrue(d.path("horizons").path("10s").path("variance_ratio").asDouble() > 20);
    }

    @Test
    void lstmLearnsAndIsReproducible() {
        FitWindow w = window("1tick", 3000);
        LstmBaseline lstm = new LstmBaseline(8, 4, 50, 16, 1e-2, 256, null);
        Baseline.Fitted a = lstm.fit(w), b = lstm.fit(w);
        TickSeries stream = series.slice(0, 3600);
        float[] fa = new float[600 * 3], fb = new float[600 * 3];
        a.forecast(stream, 3000, fa);
        b.forecast(stream, 3000, fb);
        assertArrayEquals(fa, fb, "the same window and seed give the same forecasts");
        // Quantiles ordered; the median tracks phi * r_t.
        double sxy = 0, sxx = 0;
        for (int k = 0; k < 600; k++) {
            assertTrue(fa[k * 3] <= fa[k * 3 + 1] && fa[k * 3 + 1] <= fa[k * 3 + 2]);
            double r = FitWindow.logReturn(stream, 3000 + k);
            sxy += r * fa[k * 3 + 1];
            sxx += r * r;
        }
        double slope = sxy / sxx;
        assertTrue(slope > 0.2 && slope < 0.8, "median vs current return slope " + slope + " (the process has 0.5)");
    }
}
