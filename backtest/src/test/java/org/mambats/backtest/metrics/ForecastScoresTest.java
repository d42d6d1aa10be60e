package org.mambats.backtest.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The forecast metrics against a worked example computed by hand. */
class ForecastScoresTest {
    static final float[] LEVELS = {0.1f, 0.5f, 0.9f};

    @Test
    void workedExample() {
        // Five ticks, one horizon: the fifth has no known outcome and is not scored.
        float[] y = {0.01f, -0.02f, 0.0f, 0.03f, Float.NaN};
        float[] f = {
                -0.01f, 0.005f, 0.02f,   // y = 0.01:  e = 0.005;  pinball .002 .0025 .001; inside; below: q90;     direction hit
                -0.03f, -0.01f, 0.01f,   // y = -0.02: e = -0.01;  pinball .001 .005  .003; inside; below: q50, q90; direction hit
                -0.01f, 0.002f, 0.01f,   // y = 0:     e = -0.002; pinball .001 .001  .001; inside; below: q50, q90; no direction (y = 0)
                -0.01f, -0.001f, 0.02f,  // y = 0.03:  e = 0.031;  pinball .004 .0155 .009; outside; below: none;  direction miss
                0f, 0f, 0f};
        boolean[] mask = {true, true, true, true, false};
        ForecastScores s = ForecastScores.compute("1tick", f, y, mask, 0, 1, LEVELS, 1);
        assertEquals(4, s.n());
        assertEquals(0.012, s.mae(), 1e-8);                              // (.005 + .01 + .002 + .031) / 4
        assertEquals(Math.sqrt(1090e-6 / 4), s.rmse(), 1e-8);            // (25 + 100 + 4 + 961)e-6 / 4
        assertArrayEquals(new double[] {0.002, 0.006, 0.0035}, s.pinball(), 1e-8);
        assertEquals(0.0115 / 3, s.pinballMean(), 1e-8);
        assertEquals(0.75, s.coverage(), 1e-12);
        assertEquals(0.8, s.coverageNominal(), 1e-6);
        assertArrayEquals(new double[] {0, 0.5, 0.75}, s.calibration(), 1e-12);
        assertEquals(2.0 / 3, s.directionalAccuracy(), 1e-12);
        assertEquals(3, s.directionN());

        double[] pin = Losses.pinballSeries(f, y, mask, 0, 1, LEVELS);
        assertArrayEquals(new double[] {0.0055 / 3, 0.009 / 3, 0.003 / 3, 0.0285 / 3}, pin, 1e-8);
        double[] se = Losses.squaredErrorSeries(f, y, mask, 0, 1, 3, 1);
        assertArrayEquals(new double[] {25e-6, 100e-6, 4e-6, 961e-6}, se, 1e-10);
    }

    @Test
    void horizonsAreIndexedIndependently() {
        // Two ticks, two horizons: horizon 1 of tick 0 is unknown.
        float[] y = {0.01f, Float.NaN, -0.01f, 0.02f};
        float[] f = {0, 0.01f, 0.02f, 9, 9, 9, -0.02f, -0.01f, 0, -0.01f, 0, 0.01f};
        boolean[] mask = {true, false, true, true};
        ForecastScores h0 = ForecastScores.compute("a", f, y, mask, 0, 2, LEVELS, 1);
        ForecastScores h1 = ForecastScores.compute("b", f, y, mask, 1, 2, LEVELS, 1);
        assertEquals(2, h0.n());
        assertEquals(0, h0.mae(), 1e-9);
        assertEquals(1, h1.n());
        assertEquals(0.02, h1.mae(), 1e-8);
        assertEquals(0, h1.coverage(), 0);
    }

    @Test
    void pinballLoss() {
        assertEquals(0.1 * 2, Losses.pinball(0.1, 3, 1), 1e-12);
        assertEquals(0.9 * 2, Losses.pinball(0.1, 1, 3), 1e-12);
        assertEquals(0, Losses.pinball(0.5, 2, 2), 0);
    }
}
