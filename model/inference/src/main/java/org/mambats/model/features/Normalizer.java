package org.mambats.model.features;

/**
 * Per-feature standardisation, z = (x - mean) / std, clipped to +-{@value #CLIP} so that one absurd tick cannot
 * push the recurrent state somewhere training never went. The statistics are fitted on the training window only
 * and stored in the checkpoint.
 */
public final class Normalizer {
    public static final float CLIP = 10f;
    private final float[] mean;
    private final float[] std;

    public Normalizer(float[] mean, float[] std) {
        if (mean.length != std.length) {
            throw new IllegalArgumentException("mean has " + mean.length + " values, std " + std.length);
        }
        for (int i = 0; i < std.length; i++) {
            if (!(std[i] > 0) || !Float.isFinite(std[i]) || !Float.isFinite(mean[i])) {
                throw new IllegalArgumentException("feature " + i + " has mean " + mean[i] + " and std " + std[i]
                        + "; std must be positive and both finite");
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** Fits mean and std over {@code rows} rows of {@code width} values; a constant feature gets std 1. */
    public static Normalizer fit(float[] values, int rows, int width) {
        double[] sum = new double[width], sumSq = new double[width];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < width; j++) {
                double v = values[r * width + j];
                sum[j] += v;
                sumSq[j] += v * v;
            }
        }
        float[] mean = new float[width], std = new float[width];
        for (int j = 0; j < width; j++) {
            double m = rows == 0 ? 0 : sum[j] / rows;
            double var = rows == 0 ? 0 : Math.max(0, sumSq[j] / rows - m * m);
            mean[j] = (float) m;
            std[j] = var > 1e-24 ? (float) Math.sqrt(var) : 1f;
        }
        return new Normalizer(mean, std);
    }

    public int width() {
        return mean.length;
    }

    public float[] mean() {
        return mean.clone();
    }

    public float[] std() {
        return std.clone();
    }

    public void apply(float[] x, int off) {
        for (int j = 0; j < mean.length; j++) {
            float z = (x[off + j] - mean[j]) / std[j];
            x[off + j] = Math.max(-CLIP, Math.min(CLIP, z));
        }
    }
}
