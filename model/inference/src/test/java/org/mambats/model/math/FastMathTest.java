package org.mambats.model.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class FastMathTest {

    @Test
    void expIsAccurateAcrossTheRangeTheStepUses() {
        double worst = 0;
        for (double x = -86; x <= 88; x += 0.0007) {
            float fx = (float) x;
            double rel = Math.abs(FastMath.exp(fx) - Math.exp(fx)) / Math.exp(fx);
            worst = Math.max(worst, rel);
        }
        assertTrue(worst < 3e-7, "worst relative error " + worst);
    }

    @Test
    void expNeverReturnsSubnormalsAndNeverOverflows() {
        for (float x : new float[] {-86f, -87.5f, -1e30f, Float.NEGATIVE_INFINITY}) {
            float y = FastMath.exp(x);
            assertTrue(y >= Float.MIN_NORMAL && y < 5e-38f, "exp(" + x + ") = " + y + " must be a tiny normal float");
        }
        assertTrue(Float.isFinite(FastMath.exp(1000f)));
        assertTrue(Float.isFinite(FastMath.exp(Float.POSITIVE_INFINITY)));
        assertEquals(1f, FastMath.exp(0f));
    }

    /** The clamp must not turn a NaN into a number: a NaN has to stay visible to the checks downstream. */
    @Test
    void expOfNaNIsNaNInLanesAndScalar() {
        assertTrue(Float.isNaN(FastMath.exp(Float.NaN)));
        float[] x = new float[FastMath.F.length()];
        java.util.Arrays.fill(x, Float.NaN);
        x[0] = Float.intBitsToFloat(0x7fa00001); // a NaN with another payload
        x[x.length - 1] = 0f;
        float[] y = new float[x.length];
        FastMath.exp(FloatVector.fromArray(FastMath.F, x, 0)).intoArray(y, 0);
        for (int i = 0; i < x.length - 1; i++) {
            assertTrue(Float.isNaN(y[i]), "lane " + i + ": exp(NaN) = " + y[i]);
        }
        assertEquals(1f, y[x.length - 1]);
    }

    @Test
    void lanesAndScalarTailAgreeBitForBit() {
        SplittableRandom rnd = new SplittableRandom(1);
        int n = FastMath.F.length();
        float[] x = new float[n];
        float[] lanes = new float[n];
        for (int round = 0; round < 2000; round++) {
            for (int i = 0; i < n; i++) {
                x[i] = (float) ((rnd.nextDouble() - 0.5) * (round < 1000 ? 200 : 10));
            }
            FastMath.exp(FloatVector.fromArray(FastMath.F, x, 0)).intoArray(lanes, 0);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(FastMath.exp(x[i])), Float.floatToRawIntBits(lanes[i]), "exp(" + x[i] + ")");
            }
            FastMath.softplus(FloatVector.fromArray(FastMath.F, x, 0)).intoArray(lanes, 0);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(FastMath.softplus(x[i])), Float.floatToRawIntBits(lanes[i]), "softplus(" + x[i] + ")");
            }
            FastMath.silu(FloatVector.fromArray(FastMath.F, x, 0)).intoArray(lanes, 0);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(FastMath.silu(x[i])), Float.floatToRawIntBits(lanes[i]), "silu(" + x[i] + ")");
            }
        }
    }

    @Test
    void softplusAndSiluAreAccurate() {
        double worstSoftplus = 0, worstSilu = 0;
        for (double x = -40; x <= 40; x += 0.001) {
            float fx = (float) x;
            double sp = x > 30 ? x : Math.log1p(Math.exp(fx));
            worstSoftplus = Math.max(worstSoftplus, Math.abs(FastMath.softplus(fx) - sp) / sp);
            double si = fx / (1 + Math.exp(-fx));
            worstSilu = Math.max(worstSilu, Math.abs(FastMath.silu(fx) - si) / Math.max(Math.abs(si), 1e-30));
        }
        // softplus keeps relative accuracy even where it is tiny (delta of a slow channel).
        assertTrue(worstSoftplus < 5e-7, "softplus worst relative error " + worstSoftplus);
        assertTrue(worstSilu < 5e-7, "silu worst relative error " + worstSilu);
    }
}
