package org.mambats.model.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mambats.model.tick.Tick;

class FeaturesTest {
    static final long T0 = 1_700_000_000_000L;

    @Test
    void featuresOfAWorkedExample() {
        TickFeatures f = new TickFeatures(1);
        TickFeatures.State s = new TickFeatures.State();
        float[] x = new float[6];
        f.next(Tick.trade("X", T0, 100, 1, 0), s, x, 0);
        assertArrayEquals(new float[] {0, 0, (float) Math.log(2), (float) Math.log(2) * 0, 0, 0}, x, 1e-7f,
                "first tick: no return, no elapsed time, side unknown");
        double elapsed = f.next(new Tick("X", T0 + 3000, 101, 3, 100.5, 101.5, 1), s, x, 0);
        assertEquals(3.0, elapsed);
        double r = Math.log(101.0 / 100.0);
        assertEquals(r, x[0], 1e-7);
        assertEquals(Math.log(4), x[1], 1e-6);
        assertEquals(Math.log(4), x[2], 1e-6);
        assertEquals(Math.log(4), x[3], 1e-6, "at the mid counts as a buy");
        assertEquals(1.0 / 101.0 * 1e4, x[4], 1e-3);
        // half-life 1 tick: var = 0.5 * 0 + 0.5 * r^2, over the weight gathered so far (0.5): |r| after one return
        assertEquals(Math.abs(r) * 1e4, x[5], 1e-3);
        float[] rel = new float[6];
        f.next(Tick.trade("X", T0 + 4000, 101, 2, 2), s, x, 0, rel, 0);
        assertEquals(Math.log(3), x[3], 1e-6, "no price change: the tick rule keeps the last side");
        // Two returns: var = 0.5 * 0.5 r^2 + 0.5 * 0 = 0.25 r^2, weight 1 - 0.5^2 = 0.75.
        double vol = Math.abs(r) / Math.sqrt(3);
        assertEquals(vol * 1e4, x[5], 1e-3);
        // In the symbol's scale: no return; the slow statistics have 10 times the half-life.
        double ds = Math.pow(0.5, 0.1);
        double slowVol = Math.abs(r) * Math.sqrt(ds / (1 + ds));
        assertEquals(0, rel[0]);
        assertEquals(Math.log(vol / slowVol), rel[5], 1e-5, "volatility against its slow counterpart");
        double sizeMean = ((1 - ds) * ds * ds * Math.log(2) + (1 - ds) * ds * Math.log(4) + (1 - ds) * Math.log(3)) / (1 - ds * ds * ds);
        assertEquals(Math.log(3) - sizeMean, rel[2], 1e-5, "log size less its running mean");
        assertEquals(Math.log(3) / sizeMean, rel[3], 1e-5, "signed size over the mean, the buy side kept");
        double r4 = Math.log(102.0 / 101.0);
        f.next(new Tick("X", T0 + 5000, 102, 1, 101.5, 102.5, 3), s, x, 0, rel, 0);
        assertEquals(r4 / vol, rel[0], 1e-4, "the return over the volatility before it");
        assertEquals((1.0 / 102.0) / vol, rel[4], 1e-3, "the spread over the volatility before the tick");
        assertEquals(x[1], rel[1], "elapsed time as it is");
    }

    @Test
    void horizonsParseAndRejectNonsense() {
        List<Horizon> h = Horizon.parseList("1tick,10s,5m,1h,3ticks");
        assertEquals(List.of(true, false, false, false, true), h.stream().map(Horizon::inTicks).toList());
        assertEquals(300_000, h.get(2).millis());
        assertEquals("10s", h.get(1).label());
        assertThrows(IllegalArgumentException.class, () -> Horizon.parse("10 parsecs"));
        assertThrows(IllegalArgumentException.class, () -> Horizon.parse("0s"));
        assertThrows(IllegalArgumentException.class, () -> Horizon.parseList("10s,10s"));
    }

    @Test
    void targetsOfAWorkedExample() {
        long[] t = {0, 1000, 2000, 2500, 9000};
        double[] p = {100, 101, 102, 103, 104};
        float[] y = HorizonTargets.compute(t, p, Horizon.parseList("1tick,2s"));
        // 1tick: next price; 2s: last price at or before t + 2 s, known only once a later tick exists.
        assertEquals(Math.log(101 / 100.0), y[0], 1e-7);
        assertEquals(Math.log(102 / 100.0), y[1], 1e-7, "t=0: last price at or before 2 s is 102");
        assertEquals(Math.log(103 / 101.0), y[3], 1e-7, "t=1 s: 2.5 s <= 3 s");
        assertEquals(Math.log(103 / 102.0), y[5], 1e-7);
        assertEquals(0f, y[7], 1e-7, "t=2.5 s: nothing until 4.5 s, the price is unchanged");
        assertTrue(Float.isNaN(y[8]) && Float.isNaN(y[9]), "the last tick has no future");
    }

    @Test
    void normalizerClipsAndHandlesConstantFeatures() {
        float[] rows = {1, 5, 3, 5, 5, 5};
        Normalizer n = Normalizer.fit(rows, 3, 2);
        assertEquals(3f, n.mean()[0], 1e-6);
        assertEquals(1f, n.std()[1], "a constant feature gets std 1");
        float[] x = {1e6f, 5};
        n.apply(x, 0);
        assertEquals(Normalizer.CLIP, x[0]);
        assertEquals(0f, x[1]);
    }
}
