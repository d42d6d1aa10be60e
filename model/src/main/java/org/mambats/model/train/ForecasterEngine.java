package org.mambats.model.train;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.mambats.model.forecast.ForecasterWeights;
import org.mambats.model.math.FastMath;
import org.mambats.model.mamba.MambaConfig;
import org.mambats.model.mamba.MambaLayerWeights;
import org.mambats.model.mamba.MambaWeights;

/**
 * The full-sequence training forward of the forecaster over a batch of lanes, and its exact hand-derived backward.
 *
 * <p>Design: the dense projections over all B*L tokens at once (input projection, in_proj, x_proj, dt_proj,
 * out_proj, head and their gradients) are single ND4J gemm calls ({@link NdGemm}); the per-channel parts (RMSNorm,
 * causal depthwise conv, SiLU, softplus, the selective scan, gating, the quantile transform) and their backward
 * are plain-Java loops over heap arrays, the scan on SIMD lanes ({@link ScanKernels}), parallel over lanes. Lanes are
 * independent, so every per-lane parameter gradient goes into its own slot and the slots are summed in lane order:
 * results do not depend on the number of threads. The backward recomputes each lane's scan states (they would
 * take B*L*E*N floats per layer to store) instead of keeping them.
 *
 * <p>An engine keeps reusable off-heap gemm buffers; it is not thread-safe. Close it to release the buffers and the
 * worker pool.
 */
public final class ForecasterEngine implements AutoCloseable {
    private static final VectorSpecies<Float> S = FastMath.F;

    private final NdGemm gemm = new NdGemm();
    private final int threads;
    private final ForkJoinPool pool;
    private final java.util.Map<String, float[]> arena = new java.util.HashMap<>();
    private boolean reuseBuffers;

    /** An engine using all available processors for its per-lane loops. */
    public ForecasterEngine() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public ForecasterEngine(int threads) {
        if (threads <= 0) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        this.threads = threads;
        this.pool = threads > 1 ? new ForkJoinPool(threads) : null;
    }

    /**
     * When on, the large intermediate arrays of a pass (activations kept for the backward, gradients in flight)
     * are allocated once and reused by the next pass of the same shape, instead of a few hundred MB of garbage per
     * training step. A {@link Pass} then stays valid for {@link #backward} only until the next forward on this
     * engine; its quantiles and final state are always fresh arrays and stay valid (its raw outputs and backbone
     * output do not). Off by default.
     */
    public ForecasterEngine reuseBuffers(boolean on) {
        this.reuseBuffers = on;
        if (!on) {
            arena.clear();
        }
        return this;
    }

    /** An array of n floats: fresh, or with {@link #reuseBuffers} the cached one under {@code key} (zeroed if asked). */
    private float[] buf(String key, int n, boolean zero) {
        if (!reuseBuffers) {
            return new float[n];
        }
        float[] a = arena.get(key);
        if (a == null || a.length != n) {
            a = new float[n];
            arena.put(key, a);
        } else if (zero) {
            java.util.Arrays.fill(a, 0f);
        }
        return a;
    }

    @Override
    public void close() {
        arena.clear();
        gemm.clear();
        if (pool != null) {
            pool.shutdown();
        }
    }

    // ------------------------------------------------------------------------------------------------ the pass

    /** What one layer's forward keeps for the backward. All token-major, T = B*L rows. */
    static final class LayerPass {
        float[] hIn;   // [T, D] residual stream entering the layer
        float[] rstd;  // [T]
        float[] u;     // [T, D] normed input
        float[] xz;    // [T, 2E] in_proj output (x | z)
        float[] xcPre; // [T, E] conv output before SiLU
        float[] xc;    // [T, E]
        float[] dbc;   // [T, R + 2N]
        float[] dt;    // [T, R]
        float[] delta; // [T, E] softplus(pre) * g
        float[] dsig;  // [T, E] d delta / d pre = sigmoid(pre) * g
        float[] y;     // [T, E] scan output including D * xc
        float[] yg;    // [T, E] y * silu(z)
        float[] at;    // [N][E] A = -exp(A_log), transposed
        float[] cwT;   // [K][E] conv weight, transposed
    }

    /** The result of a forward pass; also everything its backward needs. */
    public static final class Pass {
        final MambaWeights backbone;
        final ForecasterWeights forecaster;
        final int batch;
        final int length;
        final float[] features;
        final float[] g;
        final int[] valid;
        final BatchState initial;
        final LayerPass[] layers;
        float[] hLast;  // [T, D] input to norm_f
        float[] rstdF;  // [T]
        float[] yF;     // [T, D] norm_f output
        float[] raw;    // [T, H*Q] head output
        float[] q;      // [T, H*Q] quantiles
        BatchState finalState;

        Pass(MambaWeights backbone, ForecasterWeights forecaster, int batch, int length, float[] features, float[] g,
             int[] valid, BatchState initial) {
            this.backbone = backbone;
            this.forecaster = forecaster;
            this.batch = batch;
            this.length = length;
            this.features = features;
            this.g = g;
            this.valid = valid;
            this.initial = initial;
            this.layers = new LayerPass[backbone.config().nLayers()];
        }

        public int batch() {
            return batch;
        }

        public int length() {
            return length;
        }

        /** Non-crossing quantiles [B, L, H*Q] (index h*Q + j), in normalised target units. Null for a backbone pass. */
        public float[] quantiles() {
            return q;
        }

        /** The head's raw output [B, L, H*Q] before the non-crossing transform. Null for a backbone pass. */
        public float[] rawOutputs() {
            return raw;
        }

        /** The backbone output after norm_f, [B, L, D]. */
        public float[] backboneOutput() {
            return yF;
        }

        /** The state of every lane after its last valid tick. */
        public BatchState finalState() {
            return finalState;
        }
    }

    // --------------------------------------------------------------------------------------------- forward

    /**
     * The forecaster's forward over a batch: input projection, backbone (with optional per-tick delta scaling),
     * head, non-crossing quantiles.
     *
     * @param initial the state of every lane before its first tick, or null for zeros (not modified)
     */
    public Pass forward(ForecasterWeights w, SequenceBatch batch, BatchState initial) {
        MambaConfig c = w.config();
        int b = batch.batch(), l = batch.length(), t = b * l, d = c.dModel(), f = w.nFeatures(), o = w.nOutputs();
        if (batch.nFeatures() != f) {
            throw new IllegalArgumentException("batch has " + batch.nFeatures() + " features per tick, the model " + f);
        }
        Pass p = newPass(w.backbone(), w, batch.batch(), batch.length(), batch.features(), batch.deltaScale(),
                batch.validLength(), initial);
        float[] h0 = buf("h0", t * d, false);
        gemm.gemm(batch.features(), t, f, false, w.inputWeight, d, f, true, h0, false);
        addBias(h0, t, d, w.inputBias);
        backboneForward(p, h0);
        float[] raw = buf("raw", t * o, false);
        gemm.gemm(p.yF, t, d, false, w.headWeight, o, d, true, raw, false);
        addBias(raw, t, o, w.headBias);
        p.raw = raw;
        p.q = new float[t * o];
        quantileTransform(raw, p.q, t, w.nHorizons(), w.nQuantiles());
        return p;
    }

    /**
     * The backbone alone: {@code h0} [B, L, D] fed to the first layer, output after norm_f in
     * {@link Pass#backboneOutput()}.
     */
    public Pass forwardBackbone(MambaWeights w, float[] h0, int batch, int length, float[] deltaScale, int[] validLength,
                                BatchState initial) {
        if (h0.length != batch * length * w.config().dModel()) {
            throw new IllegalArgumentException("h0 must hold B*L*D values");
        }
        Pass p = newPass(w, null, batch, length, null, deltaScale, validLength, initial);
        backboneForward(p, h0.clone());
        return p;
    }

    private static Pass newPass(MambaWeights w, ForecasterWeights fw, int batch, int length, float[] features,
                                float[] g, int[] valid, BatchState initial) {
        MambaConfig c = w.config();
        if (initial != null && (initial.lanes() != batch || !initial.config().equals(c))) {
            throw new IllegalArgumentException("initial state has " + initial.lanes() + " lanes of config "
                    + initial.config() + ", the batch needs " + batch + " of " + c);
        }
        if (g != null && g.length != batch * length) {
            throw new IllegalArgumentException("deltaScale must hold B*L values");
        }
        BatchState init = initial == null ? BatchState.zeros(c, batch) : initial.copy();
        int[] v = valid == null ? null : valid.clone();
        return new Pass(w, fw, batch, length, features, g, v, init);
    }

    private void backboneForward(Pass p, float[] h0) {
        MambaConfig c = p.backbone.config();
        int b = p.batch, l = p.length, t = b * l, d = c.dModel();
        p.finalState = BatchState.zeros(c, b);
        float[] h = h0;
        for (int li = 0; li < c.nLayers(); li++) {
            LayerPass lp = new LayerPass();
            p.layers[li] = lp;
            h = layerForward(p, li, lp, h);
        }
        p.hLast = h;
        p.rstdF = buf("rstdF", t, false);
        p.yF = buf("yF", t * d, false);
        float[] nf = p.backbone.normF();
        float eps = c.eps();
        parallelRange(b, (from, to) -> rmsNorm(from * l, to * l, d, eps, p.hLast, nf, p.yF, p.rstdF));
    }

    private float[] layerForward(Pass p, int li, LayerPass lp, float[] hIn) {
        MambaConfig c = p.backbone.config();
        MambaLayerWeights lw = p.backbone.layer(li);
        int b = p.batch, l = p.length, t = b * l;
        int d = c.dModel(), e = c.dInner(), n = c.dState(), k = c.dConv(), r = c.dtRank(), w = r + 2 * n;
        float eps = c.eps();
        lp.hIn = hIn;
        lp.rstd = buf("L" + li + ".rstd", t, false);
        lp.u = buf("L" + li + ".u", t * d, false);
        parallelRange(b, (from, to) -> rmsNorm(from * l, to * l, d, eps, hIn, lw.norm, lp.u, lp.rstd));

        lp.xz = buf("L" + li + ".xz", t * 2 * e, false);
        gemm.gemm(lp.u, t, d, false, lw.inProj, 2 * e, d, true, lp.xz, false);
        if (lw.inProjBias != null) {
            addBias(lp.xz, t, 2 * e, lw.inProjBias);
        }

        lp.cwT = buf("L" + li + ".cwT", k * e, false);
        for (int ee = 0; ee < e; ee++) {
            for (int kk = 0; kk < k; kk++) {
                lp.cwT[kk * e + ee] = lw.convWeight[ee * k + kk];
            }
        }
        lp.xcPre = buf("L" + li + ".xcPre", t * e, true);
        lp.xc = buf("L" + li + ".xc", t * e, false);
        BatchState init = p.initial, fin = p.finalState;
        parallelRange(b, (from, to) -> {
            for (int lane = from; lane < to; lane++) {
                convForward(c, lane, l, li, lp, lw.convBias, init, fin, validOf(p, lane));
            }
        });

        lp.dbc = buf("L" + li + ".dbc", t * w, false);
        gemm.gemm(lp.xc, t, e, false, lw.xProj, w, e, true, lp.dbc, false);
        lp.dt = buf("L" + li + ".dt", t * r, false);
        for (int row = 0; row < t; row++) {
            System.arraycopy(lp.dbc, row * w, lp.dt, row * r, r);
        }
        lp.delta = buf("L" + li + ".delta", t * e, false);
        gemm.gemm(lp.dt, t, r, false, lw.dtProjWeight, e, r, true, lp.delta, false);

        lp.at = buf("L" + li + ".at", n * e, false);
        for (int ee = 0; ee < e; ee++) {
            for (int nn = 0; nn < n; nn++) {
                lp.at[nn * e + ee] = (float) -Math.exp(lw.aLog[ee * n + nn]);
            }
        }
        lp.dsig = buf("L" + li + ".dsig", t * e, false);
        lp.y = buf("L" + li + ".y", t * e, false);
        lp.yg = buf("L" + li + ".yg", t * e, false);
        parallelRange(b, (from, to) -> {
            float[] s = new float[n * e];
            for (int lane = from; lane < to; lane++) {
                int row0 = lane * l;
                deltaForward(lp.delta, lp.dsig, lw.dtProjBias, p.g, row0, l, e);
                transposeIn(init.ssm, init.ssmOffset(lane, li), s, e, n);
                int v = validOf(p, lane);
                ScanKernels.forward(l, e, n, r, row0, lp.delta, lp.xc, lp.dbc, lp.at, lw.d, s, lp.y, null, null,
                        v - 1, fin.ssm, fin.ssmOffset(lane, li));
                if (v == 0) {
                    System.arraycopy(init.ssm, init.ssmOffset(lane, li), fin.ssm, fin.ssmOffset(lane, li), n * e);
                }
                gateForward(lp.xz, lp.y, lp.yg, row0, l, e);
            }
        });

        float[] hOut = buf("L" + li + ".hOut", hIn.length, false);
        System.arraycopy(hIn, 0, hOut, 0, hIn.length);
        gemm.gemm(lp.yg, t, e, false, lw.outProj, d, e, true, hOut, true);
        if (lw.outProjBias != null) {
            addBias(hOut, t, d, lw.outProjBias);
        }
        return hOut;
    }

    private static int validOf(Pass p, int lane) {
        return p.valid == null ? p.length : p.valid[lane];
    }

    /** out = x / sqrt(mean(x^2) + eps) * w for rows [from, to); rstd[row] = 1 / sqrt(mean(x^2) + eps). */
    private static void rmsNorm(int from, int to, int d, float eps, float[] x, float[] w, float[] out, float[] rstd) {
        for (int row = from; row < to; row++) {
            int o = row * d;
            float ss = 0f;
            for (int j = 0; j < d; j++) {
                ss += x[o + j] * x[o + j];
            }
            float rs = (float) (1.0 / Math.sqrt(ss / d + eps));
            rstd[row] = rs;
            for (int j = 0; j < d; j++) {
                out[o + j] = x[o + j] * rs * w[j];
            }
        }
    }

    /**
     * Where the conv reads its input at window time {@code tau}: row {@code tau} of this window's xz when
     * {@code tau >= 0}, else the carried conv state's tail (its {@code k - 1} rows end at the window's start).
     */
    private static int convInputOffset(int tau, int lane, int l, int e, int k, int cOff) {
        return tau >= 0 ? (lane * l + tau) * 2 * e : cOff + (tau + k - 1) * e;
    }

    private static void convForward(MambaConfig c, int lane, int l, int li, LayerPass lp, float[] convBias,
                                    BatchState init, BatchState fin, int valid) {
        int e = c.dInner(), k = c.dConv(), e2 = 2 * e;
        int cOff = init.convOffset(lane, li);
        float[] xz = lp.xz, xcPre = lp.xcPre, xc = lp.xc, cwT = lp.cwT;
        for (int t = 0; t < l; t++) {
            int row = lane * l + t;
            int o = row * e;
            if (convBias != null) {
                System.arraycopy(convBias, 0, xcPre, o, e);
            }
            for (int kk = 0; kk < k; kk++) {
                int tau = t - k + 1 + kk;
                float[] src = tau >= 0 ? xz : init.conv;
                int so = convInputOffset(tau, lane, l, e, k, cOff);
                int wo = kk * e;
                for (int ee = 0; ee < e; ee++) {
                    xcPre[o + ee] += cwT[wo + ee] * src[so + ee];
                }
            }
            siluInto(xcPre, xc, o, e);
        }
        int fOff = fin.convOffset(lane, li);
        for (int j = 0; j < k - 1; j++) {
            int tau = valid - (k - 1) + j;
            if (tau >= 0) {
                System.arraycopy(xz, (lane * l + tau) * e2, fin.conv, fOff + j * e, e);
            } else {
                System.arraycopy(init.conv, cOff + (valid + j) * e, fin.conv, fOff + j * e, e);
            }
        }
    }

    private static void siluInto(float[] src, float[] dst, int off, int len) {
        int i = 0;
        int ub = S.loopBound(len);
        for (; i < ub; i += S.length()) {
            FastMath.silu(FloatVector.fromArray(S, src, off + i)).intoArray(dst, off + i);
        }
        for (; i < len; i++) {
            dst[off + i] = FastMath.silu(src[off + i]);
        }
    }

    /** delta = softplus(pre + bias) * g, dsig = sigmoid(pre + bias) * g; delta holds pre on entry. */
    private static void deltaForward(float[] delta, float[] dsig, float[] bias, float[] g, int row0, int l, int e) {
        int ub = S.loopBound(e);
        for (int t = 0; t < l; t++) {
            int row = row0 + t;
            int o = row * e;
            float gt = g == null ? 1f : g[row];
            int i = 0;
            for (; i < ub; i += S.length()) {
                FloatVector pre = FloatVector.fromArray(S, delta, o + i).add(FloatVector.fromArray(S, bias, i));
                FastMath.softplus(pre).mul(gt).intoArray(delta, o + i);
                FloatVector sig = FastMath.exp(pre.neg()).add(1f);
                FloatVector.broadcast(S, gt).div(sig).intoArray(dsig, o + i);
            }
            for (; i < e; i++) {
                float pre = delta[o + i] + bias[i];
                delta[o + i] = FastMath.softplus(pre) * gt;
                dsig[o + i] = gt / (1f + FastMath.exp(-pre));
            }
        }
    }

    private static void gateForward(float[] xz, float[] y, float[] yg, int row0, int l, int e) {
        int ub = S.loopBound(e);
        for (int t = 0; t < l; t++) {
            int row = row0 + t;
            int o = row * e;
            int zo = row * 2 * e + e;
            int i = 0;
            for (; i < ub; i += S.length()) {
                FloatVector z = FloatVector.fromArray(S, xz, zo + i);
                FloatVector.fromArray(S, y, o + i).mul(FastMath.silu(z)).intoArray(yg, o + i);
            }
            for (; i < e; i++) {
                yg[o + i] = y[o + i] * FastMath.silu(xz[zo + i]);
            }
        }
    }

    /** s[n][e] = src[off + e*N + n]. */
    private static void transposeIn(float[] src, int off, float[] s, int e, int n) {
        for (int ee = 0; ee < e; ee++) {
            for (int nn = 0; nn < n; nn++) {
                s[nn * e + ee] = src[off + ee * n + nn];
            }
        }
    }

    private static void addBias(float[] m, int rows, int cols, float[] bias) {
        for (int row = 0; row < rows; row++) {
            int o = row * cols;
            for (int j = 0; j < cols; j++) {
                m[o + j] += bias[j];
            }
        }
    }

    /** q_{h,0} = raw_{h,0}; q_{h,j} = q_{h,j-1} + softplus(raw_{h,j}). */
    static void quantileTransform(float[] raw, float[] q, int tokens, int horizons, int quantiles) {
        for (int row = 0; row < tokens; row++) {
            for (int h = 0; h < horizons; h++) {
                int o = (row * horizons + h) * quantiles;
                float acc = raw[o];
                q[o] = acc;
                for (int j = 1; j < quantiles; j++) {
                    acc += softplus(raw[o + j]);
                    q[o + j] = acc;
                }
            }
        }
    }

    static float softplus(float x) {
        double v = x;
        return (float) (Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))));
    }

    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-(double) x)));
    }

    // -------------------------------------------------------------------------------------------- backward

    /**
     * Gradients of a scalar loss w.r.t. every parameter, given the gradient w.r.t. the quantiles of {@code pass}
     * ([B, L, H*Q]). The state entering the pass is treated as a constant (truncated BPTT).
     */
    public ForecasterWeights backward(Pass p, float[] dQuantiles) {
        ForecasterWeights fw = p.forecaster;
        if (fw == null) {
            throw new IllegalArgumentException("backward needs a forecaster pass, not a backbone pass");
        }
        MambaConfig c = fw.config();
        int t = p.batch * p.length, d = c.dModel(), o = fw.nOutputs(), f = fw.nFeatures();
        if (dQuantiles.length != t * o) {
            throw new IllegalArgumentException("dQuantiles must hold B*L*H*Q = " + t * o + " values");
        }
        ForecasterWeights grads = fw.zerosLike();
        float[] dRaw = buf("dRaw", t * o, false);
        quantileBackward(p.raw, dQuantiles, dRaw, t, fw.nHorizons(), fw.nQuantiles());
        gemm.gemm(dRaw, t, o, true, p.yF, t, d, false, grads.headWeight, false);
        colSum(dRaw, t, o, grads.headBias);
        float[] dyF = buf("dyF", t * d, false);
        gemm.gemm(dRaw, t, o, false, fw.headWeight, o, d, false, dyF, false);
        float[] dh0 = backboneBackward(p, dyF, grads.backbone());
        gemm.gemm(dh0, t, d, true, p.features, t, f, false, grads.inputWeight, false);
        colSum(dh0, t, d, grads.inputBias);
        return grads;
    }

    static void quantileBackward(float[] raw, float[] dq, float[] dRaw, int tokens, int horizons, int quantiles) {
        for (int row = 0; row < tokens; row++) {
            for (int h = 0; h < horizons; h++) {
                int o = (row * horizons + h) * quantiles;
                float acc = 0f;
                for (int j = quantiles - 1; j >= 0; j--) {
                    acc += dq[o + j];
                    dRaw[o + j] = j == 0 ? acc : acc * sigmoid(raw[o + j]);
                }
            }
        }
    }

    /** Sums the rows of m [rows, cols] into out (overwritten), in row order, in double. */
    private static void colSum(float[] m, int rows, int cols, float[] out) {
        double[] acc = new double[cols];
        for (int row = 0; row < rows; row++) {
            int o = row * cols;
            for (int j = 0; j < cols; j++) {
                acc[j] += m[o + j];
            }
        }
        for (int j = 0; j < cols; j++) {
            out[j] = (float) acc[j];
        }
    }

    /** Backward through norm_f and all layers; fills the backbone gradients and returns dL/dh0 [T, D]. */
    private float[] backboneBackward(Pass p, float[] dyF, MambaWeights grads) {
        MambaConfig c = p.backbone.config();
        int b = p.batch, l = p.length, d = c.dModel();
        float[] dhLast = buf("dhLast", b * l * d, false);
        float[][] dNormF = new float[b][d];
        float[] nf = p.backbone.normF();
        parallelRange(b, (from, to) -> {
            for (int lane = from; lane < to; lane++) {
                rmsNormBackward(lane * l, (lane + 1) * l, d, p.hLast, nf, p.rstdF, dyF, null, dhLast, dNormF[lane]);
            }
        });
        sumLanes(dNormF, grads.normF());
        float[] dh = dhLast;
        for (int li = c.nLayers() - 1; li >= 0; li--) {
            dh = layerBackward(p, li, p.layers[li], dh, grads.layer(li));
        }
        return dh;
    }

    /**
     * RMSNorm backward for rows [from, to): dx = dxIn (residual, may be null) + r*(du*w) - x*r^3*sum(du*w*x)/D;
     * dw accumulates du*x*r.
     */
    private static void rmsNormBackward(int from, int to, int d, float[] x, float[] w, float[] rstd, float[] du,
                                        float[] dResidual, float[] dx, float[] dw) {
        for (int row = from; row < to; row++) {
            int o = row * d;
            float rs = rstd[row];
            float dot = 0f;
            for (int j = 0; j < d; j++) {
                dot += du[o + j] * w[j] * x[o + j];
                dw[j] += du[o + j] * x[o + j] * rs;
            }
            float coef = rs * rs * rs * dot / d;
            for (int j = 0; j < d; j++) {
                float v = rs * du[o + j] * w[j] - x[o + j] * coef;
                dx[o + j] = dResidual == null ? v : dResidual[o + j] + v;
            }
        }
    }

    /**
     * With tied decays a channel's A_log row is one parameter, its rate ({@code A_log[e][n] = A_log[e][0] +
     * ln(n+1)}), whose gradient is the row's sum; every column gets it, so the optimizer moves the row as one and
     * the trainer's re-tie after the update only removes rounding.
     */
    private static void tieGradient(float[] aLogGrad, int e, int n) {
        for (int ee = 0; ee < e; ee++) {
            double sum = 0;
            for (int nn = 0; nn < n; nn++) {
                sum += aLogGrad[ee * n + nn];
            }
            java.util.Arrays.fill(aLogGrad, ee * n, ee * n + n, (float) sum);
        }
    }

    private static void sumLanes(float[][] perLane, float[] out) {
        int n = out.length;
        double[] acc = new double[n];
        for (float[] lane : perLane) {
            for (int i = 0; i < n; i++) {
                acc[i] += lane[i];
            }
        }
        for (int i = 0; i < n; i++) {
            out[i] = (float) acc[i];
        }
    }

    private float[] layerBackward(Pass p, int li, LayerPass lp, float[] dhOut, MambaLayerWeights g) {
        MambaConfig c = p.backbone.config();
        MambaLayerWeights lw = p.backbone.layer(li);
        int b = p.batch, l = p.length, t = b * l;
        int d = c.dModel(), e = c.dInner(), n = c.dState(), k = c.dConv(), r = c.dtRank(), w = r + 2 * n;

        // out_proj
        float[] dyg = buf("dyg", t * e, false);
        gemm.gemm(dhOut, t, d, false, lw.outProj, d, e, false, dyg, false);
        gemm.gemm(dhOut, t, d, true, lp.yg, t, e, false, g.outProj, false);
        if (g.outProjBias != null) {
            colSum(dhOut, t, d, g.outProjBias);
        }

        // gating, scan, delta
        float[] dxz = buf("dxz", t * 2 * e, true);
        float[] dxc = buf("dxc", t * e, false);
        float[] dPre = buf("dPre", t * e, false);
        float[] ddbc = buf("ddbc", t * w, false);
        float[][] dAt = new float[b][n * e];
        float[][] dD = new float[b][e];
        BatchState init = p.initial;
        int chunks = Math.min(threads, b);
        float[][] sAlls = new float[chunks][];
        float[][] aAlls = new float[chunks][];
        for (int ch = 0; ch < chunks; ch++) {
            sAlls[ch] = buf("sAll" + ch, l * n * e, false);
            aAlls[ch] = buf("aAll" + ch, l * n * e, false);
        }
        parallelRange(b, (from, to) -> {
            int ch = chunkOf(from, b);
            float[] sAll = sAlls[ch];
            float[] aAll = aAlls[ch];
            float[] s = new float[n * e];
            float[] s0 = new float[n * e];
            float[] ds = new float[n * e];
            float[] part = new float[2 * n * S.length()];
            float[] dy = dyg; // overwritten in place with dL/dy, lane rows only
            for (int lane = from; lane < to; lane++) {
                int row0 = lane * l;
                gateBackward(lp.xz, lp.y, dy, dxz, row0, l, e);
                transposeIn(init.ssm, init.ssmOffset(lane, li), s0, e, n);
                System.arraycopy(s0, 0, s, 0, n * e);
                ScanKernels.forward(l, e, n, r, row0, lp.delta, lp.xc, lp.dbc, lp.at, lw.d, s, lp.y, sAll, aAll, -1, null, 0);
                ScanKernels.backward(l, e, n, r, row0, lp.delta, lp.xc, lp.dbc, lp.at, lw.d, s0, sAll, aAll, dy,
                        dxc, dPre, ddbc, dAt[lane], dD[lane], ds, part);
                for (int i = row0 * e; i < (row0 + l) * e; i++) {
                    dPre[i] *= lp.dsig[i];
                }
            }
        });
        // A = -exp(A_log): dA_log = dA * A
        double[] accA = new double[n * e];
        for (float[] lane : dAt) {
            for (int i = 0; i < n * e; i++) {
                accA[i] += lane[i];
            }
        }
        for (int ee = 0; ee < e; ee++) {
            for (int nn = 0; nn < n; nn++) {
                g.aLog[ee * n + nn] = (float) (accA[nn * e + ee] * lp.at[nn * e + ee]);
            }
        }
        if (c.tiedDecays()) {
            tieGradient(g.aLog, e, n);
        }
        sumLanes(dD, g.d);

        // dt_proj
        colSum(dPre, t, e, g.dtProjBias);
        gemm.gemm(dPre, t, e, true, lp.dt, t, r, false, g.dtProjWeight, false);
        float[] ddt = buf("ddt", t * r, false);
        gemm.gemm(dPre, t, e, false, lw.dtProjWeight, e, r, false, ddt, false);
        for (int row = 0; row < t; row++) {
            System.arraycopy(ddt, row * r, ddbc, row * w, r);
        }

        // x_proj
        gemm.gemm(ddbc, t, w, false, lw.xProj, w, e, false, dxc, true);
        gemm.gemm(ddbc, t, w, true, lp.xc, t, e, false, g.xProj, false);

        // SiLU and conv
        float[][] dCw = new float[b][k * e];
        float[][] dCb = new float[b][e];
        parallelRange(b, (from, to) -> {
            for (int lane = from; lane < to; lane++) {
                convBackward(c, lane, l, li, lp, init, dxc, dxz, dCw[lane], dCb[lane]);
            }
        });
        double[] accW = new double[k * e];
        for (float[] lane : dCw) {
            for (int i = 0; i < k * e; i++) {
                accW[i] += lane[i];
            }
        }
        for (int ee = 0; ee < e; ee++) {
            for (int kk = 0; kk < k; kk++) {
                g.convWeight[ee * k + kk] = (float) accW[kk * e + ee];
            }
        }
        if (g.convBias != null) {
            sumLanes(dCb, g.convBias);
        }

        // in_proj
        float[] du = buf("du", t * d, false);
        gemm.gemm(dxz, t, 2 * e, false, lw.inProj, 2 * e, d, false, du, false);
        gemm.gemm(dxz, t, 2 * e, true, lp.u, t, d, false, g.inProj, false);
        if (g.inProjBias != null) {
            colSum(dxz, t, 2 * e, g.inProjBias);
        }

        // RMSNorm + residual
        float[] dhIn = buf("dh" + (li % 2), t * d, false);
        float[][] dNorm = new float[b][d];
        parallelRange(b, (from, to) -> {
            for (int lane = from; lane < to; lane++) {
                rmsNormBackward(lane * l, (lane + 1) * l, d, lp.hIn, lw.norm, lp.rstd, du, dhOut, dhIn, dNorm[lane]);
            }
        });
        sumLanes(dNorm, g.norm);
        return dhIn;
    }

    /** dy (in: dL/dyg, out: dL/dy) and dz into dxz[:, E:]. */
    private static void gateBackward(float[] xz, float[] y, float[] dy, float[] dxz, int row0, int l, int e) {
        int ub = S.loopBound(e);
        for (int t = 0; t < l; t++) {
            int row = row0 + t;
            int o = row * e;
            int zo = row * 2 * e + e;
            int i = 0;
            for (; i < ub; i += S.length()) {
                FloatVector z = FloatVector.fromArray(S, xz, zo + i);
                FloatVector sz = FastMath.exp(z.neg()).add(1f);
                sz = FloatVector.broadcast(S, 1f).div(sz);
                FloatVector dg = FloatVector.fromArray(S, dy, o + i);
                // d silu / dz = sz * (1 + z * (1 - sz))
                FloatVector dsilu = sz.mul(z.mul(sz.neg().add(1f)).add(1f));
                dg.mul(FloatVector.fromArray(S, y, o + i)).mul(dsilu).intoArray(dxz, zo + i);
                dg.mul(z.mul(sz)).intoArray(dy, o + i);
            }
            for (; i < e; i++) {
                float z = xz[zo + i];
                float sz = 1f / (1f + FastMath.exp(-z));
                float dg = dy[o + i];
                dxz[zo + i] = dg * y[o + i] * (sz * (1f + z * (1f - sz)));
                dy[o + i] = dg * (z * sz);
            }
        }
    }

    private static void convBackward(MambaConfig c, int lane, int l, int li, LayerPass lp, BatchState init,
                                     float[] dxc, float[] dxz, float[] dcwT, float[] dcb) {
        int e = c.dInner(), k = c.dConv();
        int cOff = init.convOffset(lane, li);
        float[] xz = lp.xz, xcPre = lp.xcPre, cwT = lp.cwT;
        int ub = S.loopBound(e);
        for (int t = 0; t < l; t++) {
            int row = lane * l + t;
            int o = row * e;
            int i = 0;
            for (; i < ub; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, xcPre, o + i);
                FloatVector sg = FloatVector.broadcast(S, 1f).div(FastMath.exp(v.neg()).add(1f));
                FloatVector dp = FloatVector.fromArray(S, dxc, o + i).mul(sg.mul(v.mul(sg.neg().add(1f)).add(1f)));
                dp.intoArray(dxc, o + i);
                dp.add(FloatVector.fromArray(S, dcb, i)).intoArray(dcb, i);
            }
            for (; i < e; i++) {
                float v = xcPre[o + i];
                float sg = 1f / (1f + FastMath.exp(-v));
                float dp = dxc[o + i] * (sg * (1f + v * (1f - sg)));
                dxc[o + i] = dp;
                dcb[i] += dp;
            }
            for (int kk = 0; kk < k; kk++) {
                int tau = t - k + 1 + kk;
                int wo = kk * e;
                float[] src = tau >= 0 ? xz : init.conv;
                int so = convInputOffset(tau, lane, l, e, k, cOff);
                i = 0;
                for (; i < ub; i += S.length()) {
                    FloatVector dp = FloatVector.fromArray(S, dxc, o + i);
                    dp.fma(FloatVector.fromArray(S, src, so + i), FloatVector.fromArray(S, dcwT, wo + i)).intoArray(dcwT, wo + i);
                    if (tau >= 0) {
                        FloatVector.fromArray(S, cwT, wo + i).fma(dp, FloatVector.fromArray(S, dxz, so + i)).intoArray(dxz, so + i);
                    }
                }
                for (; i < e; i++) {
                    float dp = dxc[o + i];
                    dcwT[wo + i] += dp * src[so + i];
                    if (tau >= 0) {
                        dxz[so + i] += cwT[wo + i] * dp;
                    }
                }
            }
        }
    }

    // -------------------------------------------------------------------------------------------- parallel

    @FunctionalInterface
    private interface RangeBody {
        void run(int from, int to);
    }

    /** The chunk index of the range starting at {@code from} in {@link #parallelRange}'s split of [0, n). */
    private int chunkOf(int from, int n) {
        int chunks = Math.min(threads, n);
        for (int ch = 0; ch < chunks; ch++) {
            if ((int) ((long) ch * n / chunks) == from) {
                return ch;
            }
        }
        throw new IllegalStateException("no chunk starts at " + from);
    }

    /** Splits [0, n) into at most {@code threads} contiguous ranges and runs them in parallel. */
    private void parallelRange(int n, RangeBody body) {
        int chunks = Math.min(threads, n);
        if (chunks <= 1) {
            body.run(0, n);
            return;
        }
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[chunks];
        for (int ch = 0; ch < chunks; ch++) {
            int from = (int) ((long) ch * n / chunks);
            int to = (int) ((long) (ch + 1) * n / chunks);
            tasks[ch] = pool.submit(() -> body.run(from, to));
        }
        for (ForkJoinTask<?> task : tasks) {
            task.join();
        }
    }
}
