package org.mambats.backtest.baseline;

import org.apache.commons.math3.distribution.NormalDistribution;

/** Standard normal quantiles for Gaussian forecast bands (commons-math3). */
final class Gaussian {
    private static final NormalDistribution STANDARD = new NormalDistribution(null, 0, 1);

    private Gaussian() {
    }

    /** z-scores of the levels: q = mean + sd * z. */
    static double[] z(float[] levels) {
        double[] z = new double[levels.length];
        for (int j = 0; j < levels.length; j++) {
            z[j] = levels[j] == 0.5f ? 0 : STANDARD.inverseCumulativeProbability(levels[j]);
        }
        return z;
    }

    /** Mean pinball loss over the levels, of Gaussian quantiles against one outcome. */
    static double pinball(double mean, double sd, double[] z, float[] levels, double y) {
        double s = 0;
        for (int j = 0; j < z.length; j++) {
            double u = y - (mean + sd * z[j]);
            s += u >= 0 ? levels[j] * u : (levels[j] - 1) * u;
        }
        return s / z.length;
    }
}
