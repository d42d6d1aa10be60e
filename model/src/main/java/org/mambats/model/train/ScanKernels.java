package org.mambats.model.train;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.mambats.model.math.FastMath;

/**
 * The selective scan of one lane and its exact backward, on SIMD lanes over the channel index e.
 *
 * <p>Inside these kernels the SSM state and A are stored transposed, {@code [N][E]}, so that every inner loop runs
 * over contiguous channels: the output {@code y[e] = sum_n s[n][e] C[n] + D[e] xc[e]} then accumulates in a
 * register without horizontal reductions. Token-major inputs: {@code delta, xc, y: [T, E]},
 * {@code dbc: [T, R + 2N]} (dt | B | C).
 *
 * <pre>
 *   s_t[n][e] = a_t[n][e] s_{t-1}[n][e] + delta_t[e] B_t[n] xc_t[e],   a_t = exp(delta_t[e] A[n][e])
 *   y_t[e]    = sum_n s_t[n][e] C_t[n] + D[e] xc_t[e]
 * </pre>
 */
final class ScanKernels {
    private static final VectorSpecies<Float> S = FastMath.F;
    private static final int LANES = S.length();

    private ScanKernels() {
    }

    /**
     * Runs the scan over tokens {@code row0 .. row0+len-1}, updating {@code s} ({@code [N][E]}) in place and writing
     * {@code y}. When {@code sAll} is not null, records the state after every step and the decay {@code a} (both
     * {@code [len][N][E]}). When {@code captureT} is in range, copies the state after step {@code captureT} to
     * {@code stateOut} in the {@code [E][N]} layout at {@code stateOff}.
     */
    static void forward(int len, int e, int n, int r, int row0, float[] delta, float[] xc, float[] dbc,
                        float[] at, float[] dp, float[] s, float[] y, float[] sAll, float[] aAll,
                        int captureT, float[] stateOut, int stateOff) {
        int w = r + 2 * n;
        int ne = n * e;
        int ub = S.loopBound(e);
        boolean record = sAll != null;
        for (int t = 0; t < len; t++) {
            int row = row0 + t;
            int off = row * e;
            int bc = row * w + r;
            int rec = t * ne;
            int i = 0;
            for (; i < ub; i += LANES) {
                FloatVector dl = FloatVector.fromArray(S, delta, off + i);
                FloatVector x = FloatVector.fromArray(S, xc, off + i);
                FloatVector dx = dl.mul(x);
                FloatVector acc = FloatVector.fromArray(S, dp, i).mul(x);
                for (int k = 0; k < n; k++) {
                    int si = k * e + i;
                    FloatVector a = FastMath.exp(dl.mul(FloatVector.fromArray(S, at, si)));
                    FloatVector sv = a.fma(FloatVector.fromArray(S, s, si), dx.mul(dbc[bc + k]));
                    sv.intoArray(s, si);
                    if (record) {
                        sv.intoArray(sAll, rec + si);
                        a.intoArray(aAll, rec + si);
                    }
                    acc = sv.fma(FloatVector.broadcast(S, dbc[bc + n + k]), acc);
                }
                acc.intoArray(y, off + i);
            }
            for (; i < e; i++) {
                float dl = delta[off + i];
                float x = xc[off + i];
                float dx = dl * x;
                float acc = dp[i] * x;
                for (int k = 0; k < n; k++) {
                    int si = k * e + i;
                    float a = FastMath.exp(dl * at[si]);
                    float sv = a * s[si] + dx * dbc[bc + k];
                    s[si] = sv;
                    if (record) {
                        sAll[rec + si] = sv;
                        aAll[rec + si] = a;
                    }
                    acc += sv * dbc[bc + n + k];
                }
                y[off + i] = acc;
            }
            if (t == captureT) {
                for (int ee = 0; ee < e; ee++) {
                    for (int k = 0; k < n; k++) {
                        stateOut[stateOff + ee * n + k] = s[k * e + ee];
                    }
                }
            }
        }
    }

    /**
     * Backward of {@link #forward} over tokens {@code row0 .. row0+len-1}, given the recorded states {@code sAll}
     * and decays {@code aAll} and the initial state {@code s0} (all {@code [N][E]} per step).
     *
     * @param dy     gradient of the loss w.r.t. y [T, E]
     * @param dxc    out: gradient w.r.t. xc through the scan (overwritten) [T, E]
     * @param dDelta out: gradient w.r.t. delta (overwritten) [T, E]
     * @param ddbc   out: gradient w.r.t. B and C written at columns R..R+2N-1 of [T, R+2N]
     * @param dAt    accumulates the gradient w.r.t. A, [N][E]
     * @param dD     accumulates the gradient w.r.t. D, [E]
     * @param ds     scratch [N][E] (the gradient flowing back through the state)
     * @param part   scratch [2 * N * LANES]
     */
    static void backward(int len, int e, int n, int r, int row0, float[] delta, float[] xc, float[] dbc,
                         float[] at, float[] dp, float[] s0, float[] sAll, float[] aAll, float[] dy,
                         float[] dxc, float[] dDelta, float[] ddbc, float[] dAt, float[] dD,
                         float[] ds, float[] part) {
        int w = r + 2 * n;
        int ne = n * e;
        int ub = S.loopBound(e);
        java.util.Arrays.fill(ds, 0, ne, 0f);
        int cPart = n * LANES;
        float[] tailB = ub < e ? new float[2 * n] : null;
        for (int t = len - 1; t >= 0; t--) {
            int row = row0 + t;
            int off = row * e;
            int bc = row * w + r;
            int rec = t * ne;
            float[] spArr = t > 0 ? sAll : s0;
            int spOff = t > 0 ? rec - ne : 0;
            java.util.Arrays.fill(part, 0f);
            int i = 0;
            for (; i < ub; i += LANES) {
                FloatVector dyv = FloatVector.fromArray(S, dy, off + i);
                FloatVector dl = FloatVector.fromArray(S, delta, off + i);
                FloatVector x = FloatVector.fromArray(S, xc, off + i);
                FloatVector dx = dl.mul(x);
                FloatVector dxcAcc = FloatVector.fromArray(S, dp, i).mul(dyv);
                dyv.fma(x, FloatVector.fromArray(S, dD, i)).intoArray(dD, i);
                FloatVector ddl = FloatVector.zero(S);
                for (int k = 0; k < n; k++) {
                    int si = k * e + i;
                    float bn = dbc[bc + k];
                    float cn = dbc[bc + n + k];
                    FloatVector sn = FloatVector.fromArray(S, sAll, rec + si);
                    FloatVector sp = FloatVector.fromArray(S, spArr, spOff + si);
                    FloatVector a = FloatVector.fromArray(S, aAll, rec + si);
                    FloatVector dsv = dyv.fma(FloatVector.broadcast(S, cn), FloatVector.fromArray(S, ds, si));
                    int pc = cPart + k * LANES;
                    dyv.fma(sn, FloatVector.fromArray(S, part, pc)).intoArray(part, pc);
                    FloatVector dad = dsv.mul(sp).mul(a);
                    FloatVector atv = FloatVector.fromArray(S, at, si);
                    ddl = dad.fma(atv, ddl);
                    ddl = dsv.mul(x).fma(FloatVector.broadcast(S, bn), ddl);
                    dad.fma(dl, FloatVector.fromArray(S, dAt, si)).intoArray(dAt, si);
                    int pb = k * LANES;
                    dsv.fma(dx, FloatVector.fromArray(S, part, pb)).intoArray(part, pb);
                    dxcAcc = dsv.mul(dl).fma(FloatVector.broadcast(S, bn), dxcAcc);
                    dsv.mul(a).intoArray(ds, si);
                }
                dxcAcc.intoArray(dxc, off + i);
                ddl.intoArray(dDelta, off + i);
            }
            if (tailB != null) {
                java.util.Arrays.fill(tailB, 0f);
            }
            for (; i < e; i++) {
                float dyv = dy[off + i];
                float dl = delta[off + i];
                float x = xc[off + i];
                float dx = dl * x;
                float dxcAcc = dp[i] * dyv;
                dD[i] += dyv * x;
                float ddl = 0f;
                for (int k = 0; k < n; k++) {
                    int si = k * e + i;
                    float bn = dbc[bc + k];
                    float cn = dbc[bc + n + k];
                    float sn = sAll[rec + si];
                    float sp = spArr[spOff + si];
                    float a = aAll[rec + si];
                    float dsv = ds[si] + dyv * cn;
                    tailB[n + k] += dyv * sn;
                    float dad = dsv * sp * a;
                    ddl += dad * at[si] + dsv * x * bn;
                    dAt[si] += dad * dl;
                    tailB[k] += dsv * dx;
                    dxcAcc += dsv * dl * bn;
                    ds[si] = dsv * a;
                }
                dxc[off + i] = dxcAcc;
                dDelta[off + i] = ddl;
            }
            for (int k = 0; k < n; k++) {
                float gb = FloatVector.fromArray(S, part, k * LANES).reduceLanes(VectorOperators.ADD);
                float gc = FloatVector.fromArray(S, part, cPart + k * LANES).reduceLanes(VectorOperators.ADD);
                if (tailB != null) {
                    gb += tailB[k];
                    gc += tailB[n + k];
                }
                ddbc[bc + k] = gb;
                ddbc[bc + n + k] = gc;
            }
        }
    }
}
