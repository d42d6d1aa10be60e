package org.mambats.model.mamba;

/**
 * The parameters of one Mamba layer, each a flat row-major float array in the Hugging Face layout
 * (the shape is given beside each field). Optional biases are {@code null} when the config turns them off.
 */
public final class MambaLayerWeights {
    /** norm.weight [D] */
    public final float[] norm;
    /** mixer.in_proj.weight [2E, D]: rows 0..E-1 produce x, rows E..2E-1 produce z. */
    public final float[] inProj;
    /** mixer.in_proj.bias [2E], only with use_bias. */
    public final float[] inProjBias;
    /** mixer.conv1d.weight [E, 1, K] */
    public final float[] convWeight;
    /** mixer.conv1d.bias [E], only with use_conv_bias. */
    public final float[] convBias;
    /** mixer.x_proj.weight [R + 2N, E]: rows split R | N (B) | N (C). */
    public final float[] xProj;
    /** mixer.dt_proj.weight [E, R] */
    public final float[] dtProjWeight;
    /** mixer.dt_proj.bias [E] */
    public final float[] dtProjBias;
    /** mixer.A_log [E, N]; A = -exp(A_log). */
    public final float[] aLog;
    /** mixer.D [E] */
    public final float[] d;
    /** mixer.out_proj.weight [D, E] */
    public final float[] outProj;
    /** mixer.out_proj.bias [D], only with use_bias. */
    public final float[] outProjBias;

    public MambaLayerWeights(float[] norm, float[] inProj, float[] inProjBias, float[] convWeight, float[] convBias,
                             float[] xProj, float[] dtProjWeight, float[] dtProjBias, float[] aLog, float[] d,
                             float[] outProj, float[] outProjBias) {
        this.norm = norm;
        this.inProj = inProj;
        this.inProjBias = inProjBias;
        this.convWeight = convWeight;
        this.convBias = convBias;
        this.xProj = xProj;
        this.dtProjWeight = dtProjWeight;
        this.dtProjBias = dtProjBias;
        this.aLog = aLog;
        this.d = d;
        this.outProj = outProj;
        this.outProjBias = outProjBias;
    }

    /** Zero-filled parameters of the right sizes for {@code c}. */
    public static MambaLayerWeights zeros(MambaConfig c) {
        int dm = c.dModel(), e = c.dInner(), n = c.dState(), k = c.dConv(), r = c.dtRank();
        return new MambaLayerWeights(
                new float[dm], new float[2 * e * dm], c.bias() ? new float[2 * e] : null,
                new float[e * k], c.convBias() ? new float[e] : null,
                new float[(r + 2 * n) * e], new float[e * r], new float[e], new float[e * n], new float[e],
                new float[dm * e], c.bias() ? new float[dm] : null);
    }

    public MambaLayerWeights copy() {
        return new MambaLayerWeights(norm.clone(), inProj.clone(), clone(inProjBias), convWeight.clone(),
                clone(convBias), xProj.clone(), dtProjWeight.clone(), dtProjBias.clone(), aLog.clone(), d.clone(),
                outProj.clone(), clone(outProjBias));
    }

    private static float[] clone(float[] a) {
        return a == null ? null : a.clone();
    }
}
