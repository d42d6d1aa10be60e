package org.mambats.model.mamba;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.mambats.model.math.FastMath;
import org.mambats.model.math.VectorKernels;

/**
 * The multiply-adds of one {@link MambaStepper} step and nothing else: the same projections, conv taps, dt
 * projection and state update with the same SIMD routines, but no RMSNorm, SiLU, softplus or exp (the decay is
 * the plain product delta * A). Its output is meaningless; it exists so {@code ./mamba-ts bench} can show how
 * close the real step comes to its arithmetic floor.
 */
public final class MultiplyAddFloor {
    private static final VectorSpecies<Float> F = FastMath.F;
    private final MambaKernel kernel;
    private final MambaConfig c;
    private final float[] hidden, xz, dbc, delta, y, proj;

    public MultiplyAddFloor(MambaKernel kernel) {
        this.kernel = kernel;
        this.c = kernel.config;
        hidden = new float[c.dModel()];
        xz = new float[2 * c.dInner()];
        dbc = new float[c.dtRank() + 2 * c.dState()];
        delta = new float[c.dInner()];
        y = new float[c.dInner()];
        proj = new float[c.dModel()];
    }

    public void step(MambaState state, float[] in, float[] out) {
        int dm = c.dModel(), e = c.dInner(), n = c.dState(), k = c.dConv(), r = c.dtRank();
        float[] s = state.data();
        System.arraycopy(in, 0, hidden, 0, dm);
        for (int l = 0; l < kernel.layers.length; l++) {
            MambaKernel.Layer w = kernel.layers[l];
            int convOff = MambaState.convOffset(c, l), ssmOff = MambaState.ssmOffset(c, l);
            VectorKernels.matVecColumns(w.inProjT, 2 * e, dm, null, hidden, 0, xz, 0);
            for (int j = 0; j < k - 1; j++) {
                VectorKernels.axpy(1f, s, convOff + j * e, xz, 0, e);
            }
            VectorKernels.matVec(w.xProj, r + 2 * n, e, xz, 0, dbc, 0);
            System.arraycopy(w.dtBias, 0, delta, 0, e);
            for (int j = 0; j < r; j++) {
                VectorKernels.axpy(dbc[j], w.dtT, j * e, delta, 0, e);
            }
            for (int i = 0; i < F.loopBound(e); i += F.length()) {
                FloatVector dv = FloatVector.fromArray(F, delta, i);
                FloatVector acc = FloatVector.zero(F);
                for (int j = 0; j < n; j++) {
                    int at = ssmOff + j * e + i;
                    FloatVector sv = dv.mul(FloatVector.fromArray(F, w.negAT, j * e + i))
                            .fma(FloatVector.fromArray(F, s, at), dv.mul(dbc[r + j]));
                    sv.intoArray(s, at);
                    acc = sv.fma(FloatVector.broadcast(F, dbc[r + n + j]), acc);
                }
                acc.intoArray(y, i);
            }
            VectorKernels.matVecColumns(w.outProjT, dm, e, null, y, 0, proj, 0);
            VectorKernels.axpy(1f, proj, 0, hidden, 0, dm);
        }
        System.arraycopy(hidden, 0, out, 0, dm);
    }
}
