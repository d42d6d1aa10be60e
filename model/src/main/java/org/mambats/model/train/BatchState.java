package org.mambats.model.train;

import java.util.Arrays;
import org.mambats.model.mamba.MambaConfig;

/**
 * The recurrent state of a batch of independent sequences ("lanes"): for every lane and layer, the conv state and
 * the SSM state.
 *
 * <ul>
 *   <li>conv state of lane b, layer l: the last K-1 conv inputs {@code x} (the first E rows of in_proj's output,
 *       before the convolution), oldest first, layout {@code [K-1][E]}: element {@code j*E + e} is x at time
 *       {@code t - (K-1) + j} where t is the next time step to be processed. Zero at the start of a sequence.</li>
 *   <li>SSM state of lane b, layer l: {@code s[e][n]}, layout {@code [E][N]} (the layout of {@code A_log}).</li>
 * </ul>
 *
 * The arrays are exposed for conversion to and from other state layouts (for example the streaming step's).
 */
public final class BatchState {
    private final MambaConfig config;
    private final int lanes;
    private final int convPerLayer;
    private final int ssmPerLayer;
    /** [lanes][layers][(K-1)*E] */
    final float[] conv;
    /** [lanes][layers][E*N] */
    final float[] ssm;

    public BatchState(MambaConfig config, int lanes) {
        if (lanes <= 0) {
            throw new IllegalArgumentException("lanes must be positive, got " + lanes);
        }
        this.config = config;
        this.lanes = lanes;
        this.convPerLayer = (config.dConv() - 1) * config.dInner();
        this.ssmPerLayer = config.dInner() * config.dState();
        this.conv = new float[lanes * config.nLayers() * convPerLayer];
        this.ssm = new float[lanes * config.nLayers() * ssmPerLayer];
    }

    /** All-zero state: the state at the start of a sequence. */
    public static BatchState zeros(MambaConfig config, int lanes) {
        return new BatchState(config, lanes);
    }

    public MambaConfig config() {
        return config;
    }

    public int lanes() {
        return lanes;
    }

    /** Length of one layer's conv state: (K-1)*E. */
    public int convLength() {
        return convPerLayer;
    }

    /** Length of one layer's SSM state: E*N. */
    public int ssmLength() {
        return ssmPerLayer;
    }

    int convOffset(int lane, int layer) {
        return (lane * config.nLayers() + layer) * convPerLayer;
    }

    int ssmOffset(int lane, int layer) {
        return (lane * config.nLayers() + layer) * ssmPerLayer;
    }

    /** A copy of the conv state of one lane and layer, layout [K-1][E], oldest first. */
    public float[] convState(int lane, int layer) {
        int o = convOffset(lane, layer);
        return Arrays.copyOfRange(conv, o, o + convPerLayer);
    }

    /** A copy of the SSM state of one lane and layer, layout [E][N]. */
    public float[] ssmState(int lane, int layer) {
        int o = ssmOffset(lane, layer);
        return Arrays.copyOfRange(ssm, o, o + ssmPerLayer);
    }

    public void setConvState(int lane, int layer, float[] values) {
        if (values.length != convPerLayer) {
            throw new IllegalArgumentException("conv state needs " + convPerLayer + " values, got " + values.length);
        }
        System.arraycopy(values, 0, conv, convOffset(lane, layer), convPerLayer);
    }

    public void setSsmState(int lane, int layer, float[] values) {
        if (values.length != ssmPerLayer) {
            throw new IllegalArgumentException("SSM state needs " + ssmPerLayer + " values, got " + values.length);
        }
        System.arraycopy(values, 0, ssm, ssmOffset(lane, layer), ssmPerLayer);
    }

    /** Zeroes one lane (start of a new sequence in that lane). */
    public void reset(int lane) {
        int c = lane * config.nLayers() * convPerLayer;
        Arrays.fill(conv, c, c + config.nLayers() * convPerLayer, 0f);
        int s = lane * config.nLayers() * ssmPerLayer;
        Arrays.fill(ssm, s, s + config.nLayers() * ssmPerLayer, 0f);
    }

    /** Copies lane {@code fromLane} of {@code from} into lane {@code toLane} of this state. */
    public void copyLane(BatchState from, int fromLane, int toLane) {
        int n = config.nLayers();
        System.arraycopy(from.conv, fromLane * n * convPerLayer, conv, toLane * n * convPerLayer, n * convPerLayer);
        System.arraycopy(from.ssm, fromLane * n * ssmPerLayer, ssm, toLane * n * ssmPerLayer, n * ssmPerLayer);
    }

    public BatchState copy() {
        BatchState c = new BatchState(config, lanes);
        System.arraycopy(conv, 0, c.conv, 0, conv.length);
        System.arraycopy(ssm, 0, c.ssm, 0, ssm.length);
        return c;
    }

    /** True if every value is finite. */
    public boolean isFinite() {
        for (float v : conv) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        for (float v : ssm) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
