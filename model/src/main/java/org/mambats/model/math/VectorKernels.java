package org.mambats.model.math;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dense float32 building blocks of the streaming step, on SIMD lanes, reading from flat row-major arrays.
 * No method allocates on the heap once the JIT has compiled it (vectors stay in registers).
 */
public final class VectorKernels {
    private static final VectorSpecies<Float> F = FastMath.F;

    private VectorKernels() {
    }

    /**
     * out[outOff + r] = sum_c W[r * cols + c] * x[xOff + c] for r in [0, rows): a matrix-vector product with a
     * row-major W. Four rows share each load of x, which keeps four independent FMA chains in flight.
     */
    public static void matVec(float[] w, int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
        int bound = F.loopBound(cols);
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int w0 = r * cols, w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            int c = 0;
            for (; c < bound; c += F.length()) {
                FloatVector xv = FloatVector.fromArray(F, x, xOff + c);
                a0 = FloatVector.fromArray(F, w, w0 + c).fma(xv, a0);
                a1 = FloatVector.fromArray(F, w, w1 + c).fma(xv, a1);
                a2 = FloatVector.fromArray(F, w, w2 + c).fma(xv, a2);
                a3 = FloatVector.fromArray(F, w, w3 + c).fma(xv, a3);
            }
            float s0 = a0.reduceLanes(VectorOperators.ADD);
            float s1 = a1.reduceLanes(VectorOperators.ADD);
            float s2 = a2.reduceLanes(VectorOperators.ADD);
            float s3 = a3.reduceLanes(VectorOperators.ADD);
            for (; c < cols; c++) {
                float xc = x[xOff + c];
                s0 += w[w0 + c] * xc;
                s1 += w[w1 + c] * xc;
                s2 += w[w2 + c] * xc;
                s3 += w[w3 + c] * xc;
            }
            out[outOff + r] = s0;
            out[outOff + r + 1] = s1;
            out[outOff + r + 2] = s2;
            out[outOff + r + 3] = s3;
        }
        for (; r < rows; r++) {
            out[outOff + r] = dot(w, r * cols, x, xOff, cols);
        }
    }

    /**
     * out[outOff + r] = bias[r] + sum_c W[r][c] * x[xOff + c] for r in [0, rows), from W stored column by column:
     * {@code wT[c * rows + r]} (see {@link #transpose}); {@code bias} may be null.
     *
     * <p>Why a second form: for a wide, short W (in_proj is 2E x D) the row form spends as much time reducing each
     * row's lanes to one float as multiplying. Here every lane holds one output row and x[c] is broadcast, so
     * there is no reduction at all, and four vectors of rows share each broadcast. The sums are taken in a
     * different order than {@link #matVec}'s, so the two differ in the last bits.
     */
    public static void matVecColumns(float[] wT, int rows, int cols, float[] bias, float[] x, int xOff, float[] out, int outOff) {
        int lanes = F.length();
        int r = 0;
        for (; r + 4 * lanes <= rows; r += 4 * lanes) {
            FloatVector a0, a1, a2, a3;
            if (bias == null) {
                a0 = FloatVector.zero(F);
                a1 = a0;
                a2 = a0;
                a3 = a0;
            } else {
                a0 = FloatVector.fromArray(F, bias, r);
                a1 = FloatVector.fromArray(F, bias, r + lanes);
                a2 = FloatVector.fromArray(F, bias, r + 2 * lanes);
                a3 = FloatVector.fromArray(F, bias, r + 3 * lanes);
            }
            for (int c = 0, at = r; c < cols; c++, at += rows) {
                FloatVector xv = FloatVector.broadcast(F, x[xOff + c]);
                a0 = FloatVector.fromArray(F, wT, at).fma(xv, a0);
                a1 = FloatVector.fromArray(F, wT, at + lanes).fma(xv, a1);
                a2 = FloatVector.fromArray(F, wT, at + 2 * lanes).fma(xv, a2);
                a3 = FloatVector.fromArray(F, wT, at + 3 * lanes).fma(xv, a3);
            }
            a0.intoArray(out, outOff + r);
            a1.intoArray(out, outOff + r + lanes);
            a2.intoArray(out, outOff + r + 2 * lanes);
            a3.intoArray(out, outOff + r + 3 * lanes);
        }
        for (; r + lanes <= rows; r += lanes) {
            FloatVector a = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, r);
            for (int c = 0, at = r; c < cols; c++, at += rows) {
                a = FloatVector.fromArray(F, wT, at).fma(FloatVector.broadcast(F, x[xOff + c]), a);
            }
            a.intoArray(out, outOff + r);
        }
        for (; r < rows; r++) {
            float a = bias == null ? 0f : bias[r];
            for (int c = 0, at = r; c < cols; c++, at += rows) {
                a = Math.fma(wT[at], x[xOff + c], a);
            }
            out[outOff + r] = a;
        }
    }

    /** W (rows x cols, row-major) stored column by column, as {@link #matVecColumns} reads it. */
    public static float[] transpose(float[] w, int rows, int cols) {
        if (w.length != rows * cols) {
            throw new IllegalArgumentException("matrix of " + w.length + " floats is not " + rows + " x " + cols);
        }
        float[] t = new float[w.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = w[r * cols + c];
            }
        }
        return t;
    }

    /** sum_i a[aOff + i] * b[bOff + i] for i in [0, len). */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int len) {
        int bound = F.loopBound(len);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < len; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    /** y[yOff + i] += alpha * x[xOff + i] for i in [0, len). */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int len) {
        int bound = F.loopBound(len);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).fma(FloatVector.broadcast(F, alpha), FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < len; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    /** out[outOff + i] = x[xOff + i] * w[i] / sqrt(mean(x^2) + eps): RMSNorm of a length-n vector. */
    public static void rmsNorm(float[] x, int xOff, float[] w, float eps, float[] out, int outOff, int n) {
        float ss = dot(x, xOff, x, xOff, n);
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).mul(inv).mul(FloatVector.fromArray(F, w, i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = x[xOff + i] * inv * w[i];
        }
    }
}
