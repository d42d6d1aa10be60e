package org.mambats.model.features;

/**
 * Forecasts in units of the symbol's own running volatility. A model's quantiles are learned for targets divided by
 * {@code targetScale[h] * ratio}, where {@code ratio} is the symbol's causal EWMA volatility (the
 * {@code volatility_bps} feature, known at the tick) over the training ticks' RMS of it. So a model trained in a calm
 * year widens its band as soon as the market turns, and one model serves symbols of any price level and volatility.
 *
 * <p>Over a horizon: {@code targetScale[h]} is the RMS, on the training ticks, of the horizon's return divided by
 * the ratio, so how volatility grows with the horizon (about {@code sqrt(k)} for {@code k} ticks, the expected
 * number of ticks for a time horizon) is measured on the data rather than assumed; the ratio carries how the level
 * moves since. Checkpoints without a reference (older ones) keep the fixed scale: the ratio is 1.
 */
public final class VolatilityScale {
    /** The position of {@code volatility_bps} among {@link TickFeatures#NAMES}. */
    public static final int FEATURE = 5;
    /** The position of ln(volatility / slow volatility) among the features in the symbol's scale. */
    public static final int LOG_FAST_OVER_SLOW = 5;
    /**
     * The ratio's floor, for a symbol that has not moved yet (its first tick, a run of unchanged prices). Low enough
     * that a universe's calm symbols keep their own scale under a reference pooled with wilder ones (a twentieth of
     * it); the volatility feature is corrected for its start at zero, so a symbol's first moves do not sit on it.
     */
    public static final double MIN_RATIO = 0.05;

    private VolatilityScale() {
    }

    /**
     * @param volatilityBps the tick's raw (unnormalised) {@code volatility_bps} feature
     * @param referenceBps  the training ticks' RMS of it; 0 for a fixed scale
     */
    public static float ratio(float volatilityBps, double referenceBps) {
        if (!(referenceBps > 0)) {
            return 1f;
        }
        return (float) Math.max(MIN_RATIO, volatilityBps / referenceBps);
    }

    /**
     * The same ratio for the symbol's slow volatility ({@link TickFeatures#SLOW_FACTOR} times the half-life), which
     * the online calibration blends with the fast one; the fast ratio where the slow volatility is not known yet.
     *
     * @param logFastOverSlow the tick's relative feature ln(volatility / slow volatility), 0 while unknown
     */
    public static float slowRatio(float volatilityBps, float logFastOverSlow, double referenceBps) {
        if (!(referenceBps > 0)) {
            return 1f;
        }
        return (float) Math.max(MIN_RATIO, volatilityBps / Math.exp(logFastOverSlow) / referenceBps);
    }
}
