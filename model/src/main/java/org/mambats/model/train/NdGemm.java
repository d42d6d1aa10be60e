package org.mambats.model.train;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Row-major float32 matrix products on heap arrays, computed by ND4J's gemm (OpenBLAS).
 *
 * <p>The operands are copied into off-heap ND4J arrays that are kept and reused per shape (the set of shapes of a
 * training step is small and recurs every step), the product runs as one native call, and the result is copied
 * back. A copy costs about 0.5 ms per 8 MB, far less than the product, and keeps every other part of the training
 * step in plain Java loops over heap arrays. Not thread-safe: one instance per engine.
 */
final class NdGemm {
    static {
        Nd4jRuntime.beforeStart();
    }

    private final Map<Key, INDArray> pool = new HashMap<>();

    private record Key(int slot, long rows, long cols) {
    }

    private INDArray buffer(int slot, long rows, long cols) {
        return pool.computeIfAbsent(new Key(slot, rows, cols), k -> Nd4j.create(DataType.FLOAT, rows, cols));
    }

    private INDArray load(int slot, float[] src, int rows, int cols) {
        INDArray a = buffer(slot, rows, cols);
        a.data().asNioFloat().put(src, 0, rows * cols);
        return a;
    }

    /**
     * {@code c = op(a) @ op(b)} (or {@code c += ...} when {@code accumulate}), where {@code a} is stored as a
     * row-major {@code aRows x aCols} matrix and op transposes it when {@code transA}; likewise for b.
     */
    void gemm(float[] a, int aRows, int aCols, boolean transA,
              float[] b, int bRows, int bCols, boolean transB,
              float[] c, boolean accumulate) {
        int m = transA ? aCols : aRows;
        int k = transA ? aRows : aCols;
        int kb = transB ? bCols : bRows;
        int n = transB ? bRows : bCols;
        if (k != kb) {
            throw new IllegalArgumentException("inner dimensions differ: " + k + " vs " + kb);
        }
        if (c.length < m * n) {
            throw new IllegalArgumentException("output holds " + c.length + " values, needs " + m * n);
        }
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                java.util.Arrays.fill(c, 0, m * n, 0f);
            }
            return;
        }
        INDArray na = load(0, a, aRows, aCols);
        INDArray nb = load(1, b, bRows, bCols);
        INDArray nc = accumulate ? load(2, c, m, n) : buffer(2, m, n);
        Nd4j.gemm(na, nb, nc, transA, transB, 1.0, accumulate ? 1.0 : 0.0);
        nc.data().asNioFloat().get(c, 0, m * n);
    }

    /** Releases the pooled off-heap buffers. */
    void clear() {
        for (INDArray a : pool.values()) {
            a.close();
        }
        pool.clear();
    }
}
