package org.mambats.model.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mambats.model.forecast.ForecasterWeights;
import org.mambats.model.io.Tensor;
import org.mambats.model.mamba.MambaConfig;

/**
 * A deliberately plain double-precision implementation of the forecaster and its loss, written straight from
 * the Mamba block as docs/ARCHITECTURE.md ("Facts the code relies on") states it, one tick at a time (the
 * recurrent form). It shares no code with {@link ForecasterEngine}:
 * tests use it as the definition of the model, check the engine's forward against it, and take finite differences
 * of its loss (in double, so the differences are accurate to about 1e-9) to check the engine's backward.
 */
final class ReferenceForecaster {
    final MambaConfig c;
    final int nFeatures;
    final int nHorizons;
    final int nQuantiles;
    /** Parameters by tensor name, in double. */
    final Map<String, double[]> p = new LinkedHashMap<>();

    ReferenceForecaster(ForecasterWeights w) {
        this.c = w.config();
        this.nFeatures = w.nFeatures();
        this.nHorizons = w.nHorizons();
        this.nQuantiles = w.nQuantiles();
        for (Map.Entry<String, Tensor> e : w.toTensors().entrySet()) {
            float[] src = e.getValue().data();
            double[] dst = new double[src.length];
            for (int i = 0; i < src.length; i++) {
                dst[i] = src[i];
            }
            p.put(e.getKey(), dst);
        }
    }

    /** Outputs of a forward pass. */
    static final class Out {
        double[] quantiles;  // [B, L, H*Q]
        double[] backbone;   // [B, L, D]
        double[][][] conv;   // final conv state [B][layer][(K-1)*E], layout [K-1][E]
        double[][][] ssm;    // final SSM state [B][layer][E*N], layout [E][N]
    }

    private double[] t(String name) {
        double[] a = p.get(name);
        if (a == null) {
            throw new IllegalStateException("no tensor " + name);
        }
        return a;
    }

    private static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    private static double silu(double x) {
        return x / (1 + Math.exp(-x));
    }

    /**
     * @param h0 when not null, fed to the first layer directly (the features and input projection are skipped)
     */
    Out forward(float[] features, double[] h0, float[] g, BatchState init, int batch, int length, int[] valid) {
        int d = c.dModel(), e = c.dInner(), n = c.dState(), k = c.dConv(), r = c.dtRank(), layers = c.nLayers();
        int hq = nHorizons * nQuantiles;
        Out out = new Out();
        out.quantiles = new double[batch * length * hq];
        out.backbone = new double[batch * length * d];
        out.conv = new double[batch][layers][];
        out.ssm = new double[batch][layers][];
        for (int b = 0; b < batch; b++) {
            // per-layer state: window of the last K inputs x (oldest first), SSM state [E][N]
            double[][][] win = new double[layers][k][e];
            double[][] s = new double[layers][e * n];
            for (int l = 0; l < layers; l++) {
                if (init != null) {
                    float[] cs = init.convState(b, l);
                    for (int j = 0; j < k - 1; j++) {
                        for (int ee = 0; ee < e; ee++) {
                            win[l][j + 1][ee] = cs[j * e + ee];
                        }
                    }
                    float[] ss = init.ssmState(b, l);
                    for (int i = 0; i < e * n; i++) {
                        s[l][i] = ss[i];
                    }
                }
            }
            int v = valid == null ? length : valid[b];
            if (v == 0) {
                captureState(out, b, win, s);
            }
            for (int tt = 0; tt < length; tt++) {
                int row = b * length + tt;
                double[] h = new double[d];
                if (h0 != null) {
                    System.arraycopy(h0, row * d, h, 0, d);
                } else {
                    double[] wi = t(ForecasterWeights.INPUT_WEIGHT), bi = t(ForecasterWeights.INPUT_BIAS);
                    for (int i = 0; i < d; i++) {
                        double acc = bi[i];
                        for (int f = 0; f < nFeatures; f++) {
                            acc += wi[i * nFeatures + f] * features[row * nFeatures + f];
                        }
                        h[i] = acc;
                    }
                }
                double gt = g == null ? 1.0 : g[row];
                for (int l = 0; l < layers; l++) {
                    String pre = "layers." + l + ".";
                    String m = pre + "mixer.";
                    double[] u = rmsNorm(h, t(pre + "norm.weight"));
                    double[] inW = t(m + "in_proj.weight");
                    double[] inB = p.get(m + "in_proj.bias");
                    double[] x = new double[e], z = new double[e];
                    for (int i = 0; i < 2 * e; i++) {
                        double acc = inB == null ? 0 : inB[i];
                        for (int j = 0; j < d; j++) {
                            acc += inW[i * d + j] * u[j];
                        }
                        if (i < e) {
                            x[i] = acc;
                        } else {
                            z[i - e] = acc;
                        }
                    }
                    // shift the conv window and append x
                    for (int j = 0; j < k - 1; j++) {
                        win[l][j] = win[l][j + 1].clone();
                    }
                    win[l][k - 1] = x.clone();
                    double[] cw = t(m + "conv1d.weight");
                    double[] cb = p.get(m + "conv1d.bias");
                    double[] xc = new double[e];
                    for (int ee = 0; ee < e; ee++) {
                        double acc = cb == null ? 0 : cb[ee];
                        for (int j = 0; j < k; j++) {
                            acc += cw[ee * k + j] * win[l][j][ee];
                        }
                        xc[ee] = silu(acc);
                    }
                    double[] xp = t(m + "x_proj.weight");
                    double[] dbc = new double[r + 2 * n];
                    for (int i = 0; i < r + 2 * n; i++) {
                        double acc = 0;
                        for (int ee = 0; ee < e; ee++) {
                            acc += xp[i * e + ee] * xc[ee];
                        }
                        dbc[i] = acc;
                    }
                    double[] dtW = t(m + "dt_proj.weight"), dtB = t(m + "dt_proj.bias");
                    double[] aLog = t(m + "A_log"), dd = t(m + "D");
                    double[] y = new double[e];
                    for (int ee = 0; ee < e; ee++) {
                        double acc = dtB[ee];
                        for (int j = 0; j < r; j++) {
                            acc += dtW[ee * r + j] * dbc[j];
                        }
                        double delta = softplus(acc) * gt;
                        double yy = dd[ee] * xc[ee];
                        for (int nn = 0; nn < n; nn++) {
                            double a = -Math.exp(aLog[ee * n + nn]);
                            int si = ee * n + nn;
                            s[l][si] = Math.exp(delta * a) * s[l][si] + delta * dbc[r + nn] * xc[ee];
                            yy += s[l][si] * dbc[r + n + nn];
                        }
                        y[ee] = yy * silu(z[ee]);
                    }
                    double[] ow = t(m + "out_proj.weight");
                    double[] ob = p.get(m + "out_proj.bias");
                    for (int i = 0; i < d; i++) {
                        double acc = ob == null ? 0 : ob[i];
                        for (int ee = 0; ee < e; ee++) {
                            acc += ow[i * e + ee] * y[ee];
                        }
                        h[i] += acc;
                    }
                }
                if (tt == v - 1) {
                    captureState(out, b, win, s);
                }
                double[] yF = rmsNorm(h, t("norm_f.weight"));
                System.arraycopy(yF, 0, out.backbone, row * d, d);
                if (h0 == null) {
                    double[] hw = t(ForecasterWeights.HEAD_WEIGHT), hb = t(ForecasterWeights.HEAD_BIAS);
                    for (int hh = 0; hh < nHorizons; hh++) {
                        double q = 0;
                        for (int j = 0; j < nQuantiles; j++) {
                            int o = hh * nQuantiles + j;
                            double raw = hb[o];
                            for (int i = 0; i < d; i++) {
                                raw += hw[o * d + i] * yF[i];
                            }
                            q = j == 0 ? raw : q + softplus(raw);
                            out.quantiles[row * hq + o] = q;
                        }
                    }
                }
            }
        }
        return out;
    }

    private void captureState(Out out, int b, double[][][] win, double[][] s) {
        int e = c.dInner(), k = c.dConv();
        for (int l = 0; l < c.nLayers(); l++) {
            double[] conv = new double[(k - 1) * e];
            for (int j = 0; j < k - 1; j++) {
                System.arraycopy(win[l][j + 1], 0, conv, j * e, e);
            }
            out.conv[b][l] = conv;
            out.ssm[b][l] = s[l].clone();
        }
    }

    private double[] rmsNorm(double[] h, double[] w) {
        int d = h.length;
        double ss = 0;
        for (double v : h) {
            ss += v * v;
        }
        double rs = 1 / Math.sqrt(ss / d + c.eps());
        double[] u = new double[d];
        for (int i = 0; i < d; i++) {
            u[i] = h[i] * rs * w[i];
        }
        return u;
    }

    /** Mean pinball loss, NaN targets skipped. */
    static double loss(double[] quantiles, float[] targets, float[] levels) {
        int q = levels.length;
        double sum = 0;
        long count = 0;
        for (int i = 0; i < targets.length; i++) {
            if (Float.isNaN(targets[i])) {
                continue;
            }
            for (int j = 0; j < q; j++) {
                double u = targets[i] - quantiles[i * q + j];
                sum += Math.max(levels[j] * u, (levels[j] - 1) * u);
                count++;
            }
        }
        return sum / count;
    }
}
