package org.mambats.backtest.run;

import java.util.Locale;
import org.mambats.backtest.metrics.DieboldMariano;

/**
 * Per horizon, Mamba (as the stream sends it, calibrated) against the best classical baseline of the run (the one with
 * the lowest pinball loss), in plain words: significantly better, significantly worse, or neither, by the
 * Diebold-Mariano test on the pinball loss at the 5% level.
 *
 * @param skill 1 - Mamba's pinball / the baseline's pinball
 */
public record SkillVerdict(String horizon, String baseline, double skill, DieboldMariano.Result dm) {
    public static final double LEVEL = 0.05;

    public enum Outcome { BETTER, WORSE, NEITHER }

    public Outcome outcome() {
        if (!(dm.pValue() < LEVEL)) {
            return Outcome.NEITHER;
        }
        return dm.statistic() < 0 ? Outcome.BETTER : Outcome.WORSE;
    }

    public String words() {
        String how = switch (outcome()) {
            case BETTER -> "significantly better than";
            case WORSE -> "significantly WORSE than";
            case NEITHER -> "neither better nor worse (at the 5% level) than";
        };
        return String.format(Locale.ROOT, "%s: Mamba is %s %s, the best baseline here (pinball %+.1f%%, DM %.2f, p %.3f)",
                horizon, how, baseline, 100 * skill, dm.statistic(), dm.pValue());
    }
}
