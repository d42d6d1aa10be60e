package org.mambats.model.mamba;

import org.mambats.model.math.VectorKernels;

/**
 * A backbone's weights rearranged once for the streaming step: immutable, so one kernel serves every thread and
 * every stream. Each thread steps through its own {@link MambaStepper}; each stream keeps its own
 * {@link MambaState}.
 *
 * <p>Rearrangements (all exact copies, except A which is computed once):
 * conv weights as K rows of E, dt_proj as R rows of E, and A = -exp(A_log) as N rows of E, so that the
 * per-channel work runs over e in SIMD lanes; in_proj and out_proj column by column, for
 * {@link VectorKernels#matVecColumns}.
 */
public final class MambaKernel {
    final MambaConfig config;
    final Layer[] layers;
    final float[] normF;

    static final class Layer {
        final float[] norm;
        /** in_proj column by column: [D][2E] */
        final float[] inProjT;
        final float[] inProjBias;
        /** [K][E] */
        final float[] convT;
        /** [E], zeros when the config has no conv bias */
        final float[] convBias;
        final float[] xProj;
        /** [R][E] */
        final float[] dtT;
        final float[] dtBias;
        /** A transposed: [N][E], A = -exp(A_log) */
        final float[] negAT;
        /**
         * With tied decays ({@link MambaConfig#tiedDecays}), each channel's rate: [E], A[e][0] = -exp(A_log[e][0]),
         * the rest of its row being multiples (n+1) of it; null otherwise.
         */
        final float[] negA0;
        final float[] d;
        /** out_proj column by column: [E][D] */
        final float[] outProjT;
        final float[] outProjBias;

        Layer(MambaConfig c, MambaLayerWeights w) {
            int e = c.dInner(), n = c.dState(), k = c.dConv(), r = c.dtRank();
            norm = w.norm.clone();
            inProjT = VectorKernels.transpose(w.inProj, 2 * e, c.dModel());
            inProjBias = w.inProjBias == null ? null : w.inProjBias.clone();
            convT = new float[k * e];
            for (int ch = 0; ch < e; ch++) {
                for (int j = 0; j < k; j++) {
                    convT[j * e + ch] = w.convWeight[ch * k + j];
                }
            }
            convBias = w.convBias == null ? new float[e] : w.convBias.clone();
            xProj = w.xProj.clone();
            dtT = new float[r * e];
            for (int ch = 0; ch < e; ch++) {
                for (int j = 0; j < r; j++) {
                    dtT[j * e + ch] = w.dtProjWeight[ch * r + j];
                }
            }
            dtBias = w.dtProjBias.clone();
            negAT = new float[n * e];
            for (int ch = 0; ch < e; ch++) {
                for (int j = 0; j < n; j++) {
                    negAT[j * e + ch] = (float) -Math.exp(w.aLog[ch * n + j]);
                }
            }
            negA0 = c.tiedDecays() ? java.util.Arrays.copyOf(negAT, e) : null;
            d = w.d.clone();
            outProjT = VectorKernels.transpose(w.outProj, c.dModel(), e);
            outProjBias = w.outProjBias == null ? null : w.outProjBias.clone();
        }
    }

    private MambaKernel(MambaWeights weights) {
        this.config = weights.config();
        this.layers = new Layer[config.nLayers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = new Layer(config, weights.layer(i));
        }
        this.normF = weights.normF().clone();
    }

    /** Copies and rearranges the weights; later changes to {@code weights} do not affect the kernel. */
    public static MambaKernel prepare(MambaWeights weights) {
        return new MambaKernel(weights);
    }

    public MambaConfig config() {
        return config;
    }

    public MambaState newState() {
        return new MambaState(config);
    }

    /** A stepper with its own scratch buffers; use one per thread. */
    public MambaStepper newStepper() {
        return new MambaStepper(this);
    }
}
