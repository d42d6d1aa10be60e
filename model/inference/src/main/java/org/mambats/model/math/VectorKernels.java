package org.mambats.model.math;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dense float32 building blocks of the streaming step, on SIMD lanes, reading from flat row-major arrays.
 * No method allocates on the heap once the JIT has compiled it (vectors stay in registers).
 */
public final class VectorKernels {
    private static final VectorSpecies<Float> F = FastMath.F;
    /** How many running sums a reduction keeps, whatever the hardware (see {@link #dot}). */
    static final int SUM_LANES = 8;
    /** The species the reductions run on: 8 lanes where the hardware has them (also on 16-lane AVX-512), else 4. */
    private static final VectorSpecies<Float> S = F.length() >= SUM_LANES ? FloatVector.SPECIES_256 : F;

    private VectorKernels() {
    }

    /**
     * out[outOff + r] = sum_c W[r * cols + c] * x[xOff + c] for r in [0, rows): a matrix-vector product with a
     * row-major W. Each row is summed in the fixed order of {@link #dot}, so the result does not depend on the
     * machine's vector width. Four rows share each load of x, which keeps four independent FMA chains in flight.
     */
    public static void matVec(float[] w, int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
        int r = 0;
        if (S.length() == SUM_LANES) {
            for (; r + 4 <= rows; r += 4) {
                matVec4Rows8(w, r, cols, x, xOff, out, outOff);
            }
        } else if (S.length() * 2 == SUM_LANES) {
            for (; r + 4 <= rows; r += 4) {
                matVec4Rows4(w, r, cols, x, xOff, out, outOff);
            }
        }
        for (; r < rows; r++) {
            out[outOff + r] = dot(w, r * cols, x, xOff, cols);
        }
    }

    private static void matVec4Rows8(float[] w, int r, int cols, float[] x, int xOff, float[] out, int outOff) {
        int w0 = r * cols, w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
        int bound = cols - cols % SUM_LANES;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int c = 0; c < bound; c += SUM_LANES) {
            FloatVector xv = FloatVector.fromArray(S, x, xOff + c);
            a0 = FloatVector.fromArray(S, w, w0 + c).fma(xv, a0);
            a1 = FloatVector.fromArray(S, w, w1 + c).fma(xv, a1);
            a2 = FloatVector.fromArray(S, w, w2 + c).fma(xv, a2);
            a3 = FloatVector.fromArray(S, w, w3 + c).fma(xv, a3);
        }
        out[outOff + r] = tail(w, w0, x, xOff, bound, cols,
                sum8(a0.lane(0), a0.lane(1), a0.lane(2), a0.lane(3), a0.lane(4), a0.lane(5), a0.lane(6), a0.lane(7)));
        out[outOff + r + 1] = tail(w, w1, x, xOff, bound, cols,
                sum8(a1.lane(0), a1.lane(1), a1.lane(2), a1.lane(3), a1.lane(4), a1.lane(5), a1.lane(6), a1.lane(7)));
        out[outOff + r + 2] = tail(w, w2, x, xOff, bound, cols,
                sum8(a2.lane(0), a2.lane(1), a2.lane(2), a2.lane(3), a2.lane(4), a2.lane(5), a2.lane(6), a2.lane(7)));
        out[outOff + r + 3] = tail(w, w3, x, xOff, bound, cols,
                sum8(a3.lane(0), a3.lane(1), a3.lane(2), a3.lane(3), a3.lane(4), a3.lane(5), a3.lane(6), a3.lane(7)));
    }

    /** {@link #matVec4Rows8} on 4-lane hardware: each row's eight sums in two vectors, lanes 0-3 and 4-7. */
    private static void matVec4Rows4(float[] w, int r, int cols, float[] x, int xOff, float[] out, int outOff) {
        int w0 = r * cols, w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
        int bound = cols - cols % SUM_LANES;
        FloatVector l0 = FloatVector.zero(S), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
        for (int c = 0; c < bound; c += SUM_LANES) {
            FloatVector xl = FloatVector.fromArray(S, x, xOff + c);
            FloatVector xh = FloatVector.fromArray(S, x, xOff + c + 4);
            l0 = FloatVector.fromArray(S, w, w0 + c).fma(xl, l0);
            h0 = FloatVector.fromArray(S, w, w0 + c + 4).fma(xh, h0);
            l1 = FloatVector.fromArray(S, w, w1 + c).fma(xl, l1);
            h1 = FloatVector.fromArray(S, w, w1 + c + 4).fma(xh, h1);
            l2 = FloatVector.fromArray(S, w, w2 + c).fma(xl, l2);
            h2 = FloatVector.fromArray(S, w, w2 + c + 4).fma(xh, h2);
            l3 = FloatVector.fromArray(S, w, w3 + c).fma(xl, l3);
            h3 = FloatVector.fromArray(S, w, w3 + c + 4).fma(xh, h3);
        }
        out[outOff + r] = tail(w, w0, x, xOff, bound, cols,
                sum8(l0.lane(0), l0.lane(1), l0.lane(2), l0.lane(3), h0.lane(0), h0.lane(1), h0.lane(2), h0.lane(3)));
        out[outOff + r + 1] = tail(w, w1, x, xOff, bound, cols,
                sum8(l1.lane(0), l1.lane(1), l1.lane(2), l1.lane(3), h1.lane(0), h1.lane(1), h1.lane(2), h1.lane(3)));
        out[outOff + r + 2] = tail(w, w2, x, xOff, bound, cols,
                sum8(l2.lane(0), l2.lane(1), l2.lane(2), l2.lane(3), h2.lane(0), h2.lane(1), h2.lane(2), h2.lane(3)));
        out[outOff + r + 3] = tail(w, w3, x, xOff, bound, cols,
                sum8(l3.lane(0), l3.lane(1), l3.lane(2), l3.lane(3), h3.lane(0), h3.lane(1), h3.lane(2), h3.lane(3)));
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

    /**
     * sum_i a[aOff + i] * b[bOff + i] for i in [0, len), in an order fixed by this method, not by the hardware:
     * eight running sums (sum j takes the products i = j, j + 8, j + 16, ... with fused multiply-adds, in that
     * order), added as ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7)), then the last len % 8 products one by
     * one. {@link #dotReference} is the same in plain Java. So a forecast comes out with the same bits on a 4-, 8-
     * or 16-lane machine, and a task replayed on another machine continues exactly; {@code reduceLanes} leaves its
     * order to the JVM.
     */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int len) {
        int bound = len - len % SUM_LANES;
        float s;
        if (S.length() == SUM_LANES) {
            FloatVector acc = FloatVector.zero(S);
            for (int i = 0; i < bound; i += SUM_LANES) {
                acc = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc);
            }
            s = sum8(acc.lane(0), acc.lane(1), acc.lane(2), acc.lane(3), acc.lane(4), acc.lane(5), acc.lane(6), acc.lane(7));
        } else if (S.length() * 2 == SUM_LANES) {
            FloatVector lo = FloatVector.zero(S), hi = lo;
            for (int i = 0; i < bound; i += SUM_LANES) {
                lo = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), lo);
                hi = FloatVector.fromArray(S, a, aOff + i + 4).fma(FloatVector.fromArray(S, b, bOff + i + 4), hi);
            }
            s = sum8(lo.lane(0), lo.lane(1), lo.lane(2), lo.lane(3), hi.lane(0), hi.lane(1), hi.lane(2), hi.lane(3));
        } else {
            return dotReference(a, aOff, b, bOff, len);
        }
        return tail(a, aOff, b, bOff, bound, len, s);
    }

    /** {@link #dot} in plain Java: the definition of its order, and what it runs where vectors are narrower. */
    public static float dotReference(float[] a, int aOff, float[] b, int bOff, int len) {
        int bound = len - len % SUM_LANES;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        for (int i = 0; i < bound; i += SUM_LANES) {
            int p = aOff + i, q = bOff + i;
            s0 = Math.fma(a[p], b[q], s0);
            s1 = Math.fma(a[p + 1], b[q + 1], s1);
            s2 = Math.fma(a[p + 2], b[q + 2], s2);
            s3 = Math.fma(a[p + 3], b[q + 3], s3);
            s4 = Math.fma(a[p + 4], b[q + 4], s4);
            s5 = Math.fma(a[p + 5], b[q + 5], s5);
            s6 = Math.fma(a[p + 6], b[q + 6], s6);
            s7 = Math.fma(a[p + 7], b[q + 7], s7);
        }
        return tail(a, aOff, b, bOff, bound, len, sum8(s0, s1, s2, s3, s4, s5, s6, s7));
    }

    /**
     * The eight running sums of {@link #dot}, added in its order. The callers pass lanes, not the vector: when the JIT
     * runs out of inlining budget (a large step compiled as one unit), a vector passed to a call that is not inlined is
     * boxed on the heap, 64 bytes a row (seen when a smaller exp changed the step's inlining), and floats are not.
     * Lane by lane rather than {@code reduceLanes}, whose order is the JVM's: about 1.5 ns more per row (x_proj,
     * 36 x 128: 331 against 276 ns), about 1% of a step; shuffling halves together was slower still on JDK 17.
     */
    private static float sum8(float s0, float s1, float s2, float s3, float s4, float s5, float s6, float s7) {
        return ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7));
    }

    /** s plus the products from {@code from} to {@code len}, one by one. */
    private static float tail(float[] a, int aOff, float[] b, int bOff, int from, int len, float s) {
        for (int i = from; i < len; i++) {
            s = Math.fma(a[aOff + i], b[bOff + i], s);
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
            y[yOff + i] = Math.fma(x[xOff + i], alpha, y[yOff + i]); // fused, as in the lanes: the same bits at any width
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
