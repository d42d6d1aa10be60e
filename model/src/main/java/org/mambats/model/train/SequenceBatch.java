package org.mambats.model.train;

/**
 * One training (or evaluation) batch: {@code batch} lanes of {@code length} ticks each.
 *
 * @param batch       number of lanes B
 * @param length      ticks per lane L
 * @param features    [B, L, F] row-major, already normalised
 * @param deltaScale  [B, L] per-tick positive factor multiplying the SSM step delta in every layer (elapsed-time
 *                    scaling), or null for 1 everywhere
 * @param validLength per lane, the number of real ticks (the rest is padding at the end of the lane whose outputs
 *                    are ignored); the final state is the state after the last real tick. Null means all L.
 */
public record SequenceBatch(int batch, int length, float[] features, float[] deltaScale, int[] validLength) {

    public SequenceBatch {
        if (batch <= 0 || length <= 0) {
            throw new IllegalArgumentException("batch and length must be positive, got " + batch + ", " + length);
        }
        if (features == null || features.length % (batch * length) != 0 || features.length == 0) {
            throw new IllegalArgumentException("features must hold B*L*F values for B=" + batch + ", L=" + length);
        }
        if (deltaScale != null && deltaScale.length != batch * length) {
            throw new IllegalArgumentException("deltaScale must hold B*L = " + batch * length + " values, got " + deltaScale.length);
        }
        if (validLength != null) {
            if (validLength.length != batch) {
                throw new IllegalArgumentException("validLength must hold B = " + batch + " values, got " + validLength.length);
            }
            for (int v : validLength) {
                if (v < 0 || v > length) {
                    throw new IllegalArgumentException("validLength " + v + " outside [0, " + length + "]");
                }
            }
        }
    }

    public SequenceBatch(int batch, int length, float[] features) {
        this(batch, length, features, null, null);
    }

    /** Features per tick. */
    public int nFeatures() {
        return features.length / (batch * length);
    }

    public int validLength(int lane) {
        return validLength == null ? length : validLength[lane];
    }
}
