package org.mambats.model.train;

/**
 * One contiguous sequence of ticks (e.g. one symbol's history, or its training or validation part).
 *
 * @param length     number of ticks T
 * @param features   [T, F] normalised features
 * @param targets    [T, H] targets in normalised units (the caller divides by the per-horizon target scale);
 *                   NaN where unknown (no loss there). To warm the state up on context ticks, prepend them with NaN
 *                   targets.
 * @param deltaScale [T] per-tick positive delta scale (elapsed-time factor), or null for 1
 * @param weight     how much each of its ticks counts in the training loss, relative to other sequences' (1: the
 *                   same); see {@link org.mambats.model.train.TrainingSet} for how symbols are weighted
 */
public record TrainingSequence(int length, float[] features, float[] targets, float[] deltaScale, float weight) {

    public TrainingSequence(int length, float[] features, float[] targets, float[] deltaScale) {
        this(length, features, targets, deltaScale, 1f);
    }

    public TrainingSequence {
        if (!(weight > 0) || !Float.isFinite(weight)) {
            throw new IllegalArgumentException("a sequence's weight must be positive and finite, got " + weight);
        }
        if (length <= 0) {
            throw new IllegalArgumentException("a sequence needs at least one tick, got " + length);
        }
        if (features == null || features.length == 0 || features.length % length != 0) {
            throw new IllegalArgumentException("features must hold T*F values for T = " + length);
        }
        if (targets == null || targets.length == 0 || targets.length % length != 0) {
            throw new IllegalArgumentException("targets must hold T*H values for T = " + length);
        }
        if (deltaScale != null) {
            if (deltaScale.length != length) {
                throw new IllegalArgumentException("deltaScale must hold T = " + length + " values, got " + deltaScale.length);
            }
            for (float v : deltaScale) {
                if (!(v > 0f) || !Float.isFinite(v)) {
                    throw new IllegalArgumentException("deltaScale values must be positive and finite, got " + v);
                }
            }
        }
        for (float v : features) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("features must be finite (a NaN would poison the state), got " + v);
            }
        }
    }

    public int nFeatures() {
        return features.length / length;
    }

    public int nHorizons() {
        return targets.length / length;
    }
}
