package org.mambats.model.mamba;

/**
 * The recurrent step written the straightforward way: dense loops over the Hugging Face layouts,
 * {@link Math#exp}, no SIMD, nothing clever. It is the yardstick {@code ./mamba-ts bench} measures the real
 * kernel ({@link MambaStepper}) against, and a second opinion in the tests.
 *
 * <p>Its state is its own: per layer {@code conv[e][K-1]} and {@code ssm[e][N]}, as in the design notes.
 */
public final class NaiveMambaStep {
    private final MambaWeights w;
    private final MambaConfig c;
    private final float[][] conv;
    private final float[][] ssm;
    /** A = -exp(A_log) per layer, [e][n], computed once as any implementation would. */
    private final float[][] negA;
    private final float[] h, u, xz, xc, dbc, delta, y;

    public NaiveMambaStep(MambaWeights weights) {
        this.w = weights;
        this.c = weights.config();
        int dm = c.dModel(), e = c.dInner();
        conv = new float[c.nLayers()][e * (c.dConv() - 1)];
        ssm = new float[c.nLayers()][e * c.dState()];
        negA = new float[c.nLayers()][];
        for (int l = 0; l < c.nLayers(); l++) {
            float[] aLog = weights.layer(l).aLog;
            negA[l] = new float[aLog.length];
            for (int i = 0; i < aLog.length; i++) {
                negA[l][i] = (float) -Math.exp(aLog[i]);
            }
        }
        h = new float[dm];
        u = new float[dm];
        xz = new float[2 * e];
        xc = new float[e];
        dbc = new float[c.dtRank() + 2 * c.dState()];
        delta = new float[e];
        y = new float[e];
    }

    public void reset() {
        for (int l = 0; l < c.nLayers(); l++) {
            java.util.Arrays.fill(conv[l], 0f);
            java.util.Arrays.fill(ssm[l], 0f);
        }
    }

    public void step(float[] in, float[] out) {
        int dm = c.dModel(), e = c.dInner(), n = c.dState(), k = c.dConv(), r = c.dtRank();
        System.arraycopy(in, 0, h, 0, dm);
        for (int l = 0; l < c.nLayers(); l++) {
            MambaLayerWeights lw = w.layer(l);
            rmsNorm(h, lw.norm, u);
            for (int i = 0; i < 2 * e; i++) {
                float acc = lw.inProjBias == null ? 0f : lw.inProjBias[i];
                for (int j = 0; j < dm; j++) {
                    acc += lw.inProj[i * dm + j] * u[j];
                }
                xz[i] = acc;
            }
            float[] cs = conv[l];
            for (int ch = 0; ch < e; ch++) {
                float acc = lw.convBias == null ? 0f : lw.convBias[ch];
                for (int j = 0; j < k - 1; j++) {
                    acc += lw.convWeight[ch * k + j] * cs[ch * (k - 1) + j];
                }
                acc += lw.convWeight[ch * k + k - 1] * xz[ch];
                for (int j = 0; j < k - 2; j++) {
                    cs[ch * (k - 1) + j] = cs[ch * (k - 1) + j + 1];
                }
                if (k > 1) {
                    cs[ch * (k - 1) + k - 2] = xz[ch];
                }
                xc[ch] = silu(acc);
            }
            for (int i = 0; i < r + 2 * n; i++) {
                float acc = 0f;
                for (int j = 0; j < e; j++) {
                    acc += lw.xProj[i * e + j] * xc[j];
                }
                dbc[i] = acc;
            }
            for (int ch = 0; ch < e; ch++) {
                float acc = lw.dtProjBias[ch];
                for (int j = 0; j < r; j++) {
                    acc += lw.dtProjWeight[ch * r + j] * dbc[j];
                }
                delta[ch] = softplus(acc);
            }
            float[] s = ssm[l];
            for (int ch = 0; ch < e; ch++) {
                float acc = 0f;
                for (int j = 0; j < n; j++) {
                    float a = negA[l][ch * n + j];
                    float v = (float) Math.exp(delta[ch] * a) * s[ch * n + j] + delta[ch] * dbc[r + j] * xc[ch];
                    s[ch * n + j] = v;
                    acc += v * dbc[r + n + j];
                }
                y[ch] = (acc + lw.d[ch] * xc[ch]) * silu(xz[e + ch]);
            }
            for (int i = 0; i < dm; i++) {
                float acc = lw.outProjBias == null ? 0f : lw.outProjBias[i];
                for (int j = 0; j < e; j++) {
                    acc += lw.outProj[i * e + j] * y[j];
                }
                h[i] += acc;
            }
        }
        rmsNorm(h, w.normF(), out);
    }

    private void rmsNorm(float[] x, float[] weight, float[] out) {
        float ss = 0f;
        for (float v : x) {
            ss += v * v;
        }
        float inv = (float) (1.0 / Math.sqrt(ss / x.length + c.eps()));
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * inv * weight[i];
        }
    }

    static float silu(float x) {
        return (float) (x / (1.0 + Math.exp(-x)));
    }

    static float softplus(float x) {
        return x > 20f ? x : (float) Math.log1p(Math.exp(x));
    }
}
