package org.mambats.model.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VectorKernelsTest {

    private static float[] gaussian(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    /**
     * Both matrix-vector forms against a double-precision reference, on shapes that exercise every path: blocks
     * of four vectors of rows, single vectors, the scalar tail, a column count below one vector, and offsets.
     */
    @ParameterizedTest(name = "{0} x {1}, bias {2}")
    @CsvSource({"256,64,true", "64,128,false", "36,128,true", "9,64,false", "64,6,true", "37,5,true", "3,3,false", "1,1,true"})
    void rowAndColumnFormsComputeTheSameProduct(int rows, int cols, boolean withBias) {
        SplittableRandom rnd = new SplittableRandom(rows * 131L + cols);
        float[] w = gaussian(rnd, rows * cols);
        float[] bias = withBias ? gaussian(rnd, rows) : null;
        float[] x = gaussian(rnd, cols + 3);
        int xOff = 3, outOff = 2;
        float[] byRows = new float[rows + outOff];
        float[] byColumns = new float[rows + outOff];
        VectorKernels.matVec(w, rows, cols, x, xOff, byRows, outOff);
        VectorKernels.matVecColumns(VectorKernels.transpose(w, rows, cols), rows, cols, bias, x, xOff, byColumns, outOff);
        for (int r = 0; r < rows; r++) {
            double exact = bias == null ? 0 : bias[r];
            double magnitude = Math.abs(exact);
            for (int c = 0; c < cols; c++) {
                exact += (double) w[r * cols + c] * x[xOff + c];
                magnitude += Math.abs((double) w[r * cols + c] * x[xOff + c]);
            }
            double tolerance = 1e-6 * magnitude + 1e-30;
            assertEquals(exact - (bias == null ? 0 : bias[r]), byRows[outOff + r], tolerance, "row form, row " + r);
            assertEquals(exact, byColumns[outOff + r], tolerance, "column form, row " + r);
        }
        assertEquals(0f, byColumns[0]);
        assertEquals(0f, byColumns[1]);
    }

    /** The row form and dot sum in the order dotReference spells out, to the bit, at every length and offset. */
    @ParameterizedTest(name = "{0} x {1}")
    @CsvSource({"36,128", "9,64", "5,37", "7,18", "4,8", "3,3", "1,1", "6,100"})
    void reductionsFollowTheirReferenceOrderToTheBit(int rows, int cols) {
        SplittableRandom rnd = new SplittableRandom(rows * 7L + cols);
        float[] w = gaussian(rnd, rows * cols);
        float[] x = gaussian(rnd, cols + 5);
        float[] out = new float[rows + 1];
        VectorKernels.matVec(w, rows, cols, x, 5, out, 1);
        for (int r = 0; r < rows; r++) {
            float reference = VectorKernels.dotReference(w, r * cols, x, 5, cols);
            assertEquals(Float.floatToRawIntBits(reference), Float.floatToRawIntBits(out[1 + r]), "matVec row " + r);
            assertEquals(Float.floatToRawIntBits(reference), Float.floatToRawIntBits(VectorKernels.dot(w, r * cols, x, 5, cols)), "dot row " + r);
        }
    }

    @ParameterizedTest
    @CsvSource({"2,3,5", "3,2,7"})
    void transposeRefusesAMatrixOfTheWrongSize(int rows, int cols, int length) {
        assertThrows(IllegalArgumentException.class, () -> VectorKernels.transpose(new float[length], rows, cols));
    }
}
