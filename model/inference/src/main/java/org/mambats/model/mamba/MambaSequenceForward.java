package org.mambats.model.mamba;

/**
 * The full-sequence forward: a batch of B sequences of L input vectors, computed layer by layer over the whole
 * sequence (projections for all time steps at once, the causal conv over time, then the selective scan), as the
 * training-time form of the model. It is written independently of {@link MambaStepper} (plain loops,
 * {@link Math#exp}) and the tests hold the two to the same numbers.
 *
 * <p>Optionally starts from, and writes back, a {@link MambaState} per sequence, so a long history can be run in
 * chunks and continue exactly where the previous chunk stopped.
 */
public final class MambaSequenceForward {
    private final MambaWeights w;
    private final MambaConfig c;

    public MambaSequenceForward(MambaWeights weights) {
        this.w = weights;
        this.c = weights.config();
    }

    /**
     * @param input  B x L x D values, row-major
     * @param states null to start from zero state; otherwise B states that are read first and overwritten with
     *               the state after the last step
     * @return B x L x D outputs after norm_f
     */
    public float[] forward(float[] input, int batch, int length, MambaState[] states) {
        int dm = c.dModel();
        if (input.length != batch * length * dm) {
            throw new IllegalArgumentException("input has " + input.length + " values, expected B*L*D = " + batch + "*" + length + "*" + dm);
        }
        if (states != null && states.length != batch) {
            throw new IllegalArgumentException(states.length + " states for a batch of " + batch);
        }
        float[] output = new float[input.length];
        float[] h = new float[length * dm];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(input, b * length * dm, h, 0, length * dm);
            for (int l = 0; l < c.nLayers(); l++) {
                layer(w.layer(l), h, length, states == null ? null : states[b].data(), l);
            }
            for (int t = 0; t < length; t++) {
                rmsNorm(h, t * dm, w.normF(), output, (b * length + t) * dm);
            }
        }
        return output;
    }

    private void layer(MambaLayerWeights lw, float[] h, int len, float[] state, int layerIndex) {
        int dm = c.dModel(), e = c.dInner(), n = c.dState(), k = c.dConv(), r = c.dtRank();
        int nProj = r + 2 * n;

        float[] u = new float[len * dm];
        for (int t = 0; t < len; t++) {
            rmsNorm(h, t * dm, lw.norm, u, t * dm);
        }
        float[] xz = linear(u, len, dm, lw.inProj, lw.inProjBias, 2 * e);

        // Causal depthwise conv. The K-1 inputs before t=0 come from the state (zeros for a fresh stream).
        int convOff = MambaState.convOffset(c, layerIndex);
        float[] xc = new float[len * e];
        for (int t = 0; t < len; t++) {
            for (int ch = 0; ch < e; ch++) {
                float acc = lw.convBias == null ? 0f : lw.convBias[ch];
                for (int j = 0; j < k; j++) {
                    int src = t - (k - 1) + j;
                    float x;
                    if (src >= 0) {
                        x = xz[src * 2 * e + ch];
                    } else {
                        x = state == null ? 0f : state[convOff + (k - 1 + src) * e + ch];
                    }
                    acc += lw.convWeight[ch * k + j] * x;
                }
                xc[t * e + ch] = NaiveMambaStep.silu(acc);
            }
        }
        if (state != null && k > 1) {
            // The new conv state: the last K-1 x values, reaching back into the old state for short chunks.
            float[] old = java.util.Arrays.copyOfRange(state, convOff, convOff + (k - 1) * e);
            for (int slot = 0; slot < k - 1; slot++) {
                int src = len - (k - 1) + slot;
                for (int ch = 0; ch < e; ch++) {
                    state[convOff + slot * e + ch] = src >= 0 ? xz[src * 2 * e + ch] : old[(k - 1 + src) * e + ch];
                }
            }
        }

        float[] dbc = linear(xc, len, e, lw.xProj, null, nProj);
        float[] delta = new float[len * e];
        for (int t = 0; t < len; t++) {
            for (int ch = 0; ch < e; ch++) {
                float acc = lw.dtProjBias[ch];
                for (int j = 0; j < r; j++) {
                    acc += lw.dtProjWeight[ch * r + j] * dbc[t * nProj + j];
                }
                delta[t * e + ch] = NaiveMambaStep.softplus(acc);
            }
        }

        // Selective scan over time, state [e][n].
        int ssmOff = MambaState.ssmOffset(c, layerIndex);
        float[] s = new float[e * n];
        float[] a = new float[e * n];
        for (int ch = 0; ch < e; ch++) {
            for (int j = 0; j < n; j++) {
                a[ch * n + j] = (float) -Math.exp(lw.aLog[ch * n + j]);
                s[ch * n + j] = state == null ? 0f : state[ssmOff + j * e + ch];
            }
        }
        float[] y = new float[len * e];
        for (int t = 0; t < len; t++) {
            int bOff = t * nProj + r;
            int cOff = bOff + n;
            for (int ch = 0; ch < e; ch++) {
                float dt = delta[t * e + ch];
                float x = xc[t * e + ch];
                float acc = 0f;
                for (int j = 0; j < n; j++) {
                    float v = (float) Math.exp(dt * a[ch * n + j]) * s[ch * n + j] + dt * dbc[bOff + j] * x;
                    s[ch * n + j] = v;
                    acc += v * dbc[cOff + j];
                }
                y[t * e + ch] = (acc + lw.d[ch] * x) * NaiveMambaStep.silu(xz[t * 2 * e + e + ch]);
            }
        }
        if (state != null) {
            for (int ch = 0; ch < e; ch++) {
                for (int j = 0; j < n; j++) {
                    state[ssmOff + j * e + ch] = s[ch * n + j];
                }
            }
        }

        float[] out = linear(y, len, e, lw.outProj, lw.outProjBias, dm);
        for (int i = 0; i < h.length; i++) {
            h[i] += out[i];
        }
    }

    /** rows x in -> rows x out: x W^T + b for a row-major W [out, in]. */
    private static float[] linear(float[] x, int rows, int in, float[] weight, float[] bias, int out) {
        float[] y = new float[rows * out];
        for (int t = 0; t < rows; t++) {
            for (int i = 0; i < out; i++) {
                float acc = bias == null ? 0f : bias[i];
                for (int j = 0; j < in; j++) {
                    acc += weight[i * in + j] * x[t * in + j];
                }
                y[t * out + i] = acc;
            }
        }
        return y;
    }

    private void rmsNorm(float[] x, int off, float[] weight, float[] out, int outOff) {
        int dm = c.dModel();
        float ss = 0f;
        for (int i = 0; i < dm; i++) {
            ss += x[off + i] * x[off + i];
        }
        float inv = (float) (1.0 / Math.sqrt(ss / dm + c.eps()));
        for (int i = 0; i < dm; i++) {
            out[outOff + i] = x[off + i] * inv * weight[i];
        }
    }
}
