package org.mambats.model.features;

import java.util.List;

/**
 * What each forecast should have predicted, for training and evaluation: for tick i and horizon h, the log return
 * from price[i] to the price k ticks later (tick horizons) or to the last price at or before time[i] + h (time
 * horizons). NaN where the data ends before the horizon does, so an unknown outcome is never scored.
 */
public final class HorizonTargets {
    private HorizonTargets() {
    }

    /**
     * @param times  event times, non-decreasing (the symbol's clock, as the validator keeps it)
     * @param prices prices of the same ticks
     * @return n x H log returns, row-major
     */
    public static float[] compute(long[] times, double[] prices, List<Horizon> horizons) {
        int n = prices.length;
        int hCount = horizons.size();
        float[] out = new float[n * hCount];
        for (int h = 0; h < hCount; h++) {
            Horizon hz = horizons.get(h);
            int j = 0;
            for (int i = 0; i < n; i++) {
                int target;
                if (hz.inTicks()) {
                    long k = i + hz.amount();
                    target = k < n ? (int) k : -1;
                } else {
                    long until = times[i] + hz.millis();
                    if (j < i) {
                        j = i;
                    }
                    while (j + 1 < n && times[j + 1] <= until) {
                        j++;
                    }
                    // The outcome is only known once a tick after the horizon has been seen.
                    target = j + 1 < n ? j : -1;
                }
                out[i * hCount + h] = target < 0 ? Float.NaN : (float) Math.log(prices[target] / prices[i]);
            }
        }
        return out;
    }
}
