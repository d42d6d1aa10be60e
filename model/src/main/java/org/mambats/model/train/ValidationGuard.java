package org.mambats.model.train;

import org.apache.commons.math3.distribution.TDistribution;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Whether validation supports a trained model over the baseline it started from: a paired test of the per-tick
 * loss difference (model - baseline) on the validation ticks, in blocks as long as the longest horizon so that
 * overlapping outcomes count once (a Diebold-Mariano test with non-overlapping blocks). The model is kept only when
 * it is better at the one-sided 5% level with at least {@value #MIN_BLOCKS} blocks; otherwise the checkpoint is the
 * baseline. The critical value is Student's t with one degree of freedom fewer than blocks (-1.89 at 8 blocks, -1.77
 * at 14, -1.66 at 100), not the normal's -1.645: with a dozen blocks the normal's admits a model that is no better
 * about 7% of the time, not 5%, and the epoch was already chosen on the same validation ticks. A lower mean loss on a few weeks of daily bars is not evidence: 20 validation bars and a 20-bar horizon
 * are one observation. {@link TrainingRecipe#fitAndSave} also runs the test on each horizon alone, for a model that
 * passed it pooled over horizons, and gives the baseline back to the horizons it does not support.
 */
public final class ValidationGuard {
    /** One-sided level of the test. */
    public static final double LEVEL = 0.05;
    /** Fewer independent blocks than this cannot support anything. */
    public static final int MIN_BLOCKS = 8;

    private ValidationGuard() {
    }

    /** The test's outcome: the t-statistic, the number and length of blocks, and whether the model is supported. */
    public record Result(double statistic, int blocks, int blockLength, boolean supported) {
        /** The value the statistic must be below: Student's t quantile at {@link #LEVEL} with blocks - 1 degrees of freedom. */
        public double critical() {
            return criticalT(blocks);
        }

        public String words() {
            if (blocks < MIN_BLOCKS) {
                return String.format(Locale.ROOT, "validation holds %d independent block(s) of %d ticks, fewer than %d: too little to support a model",
                        blocks, blockLength, MIN_BLOCKS);
            }
            return String.format(Locale.ROOT, "paired test on validation, %d blocks of %d ticks: t = %.2f against %.2f (%s at one-sided 5%%)",
                    blocks, blockLength, statistic, critical(), supported ? "better" : "not better");
        }
    }

    /**
     * @param model       per sequence, the model's per-tick loss ({@link Trainer#evaluate(List, double[][])})
     * @param baseline    per sequence, the baseline's
     * @param seqs        the validation sequences (ticks without a known target are left out)
     * @param blockLength ticks per block, at least 1
     */
    public static Result test(double[][] model, double[][] baseline, List<TrainingSequence> seqs, int blockLength) {
        int len = Math.max(1, blockLength);
        List<Double> means = new ArrayList<>();
        for (int i = 0; i < seqs.size(); i++) {
            TrainingSequence s = seqs.get(i);
            int h = s.nHorizons();
            double sum = 0;
            int n = 0;
            for (int t = 0; t < s.length(); t++) {
                boolean known = false;
                for (int j = 0; j < h && !known; j++) {
                    known = Float.isFinite(s.targets()[t * h + j]);
                }
                if (!known) {
                    continue;
                }
                sum += model[i][t] - baseline[i][t];
                if (++n == len) {
                    means.add(sum / n);
                    sum = 0;
                    n = 0;
                }
            }
        }
        int b = means.size();
        if (b < 2) {
            return new Result(Double.NaN, b, len, false);
        }
        double mean = means.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double ss = 0;
        for (double m : means) {
            ss += (m - mean) * (m - mean);
        }
        double se = Math.sqrt(ss / (b - 1) / b);
        double t = se > 0 ? mean / se : mean < 0 ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        return new Result(t, b, len, b >= MIN_BLOCKS && t < criticalT(b));
    }

    /** Student's t quantile at {@link #LEVEL} for {@code blocks - 1} degrees of freedom (negative). */
    public static double criticalT(int blocks) {
        return blocks < 2 ? Double.NEGATIVE_INFINITY : new TDistribution(null, blocks - 1).inverseCumulativeProbability(LEVEL);
    }
}
