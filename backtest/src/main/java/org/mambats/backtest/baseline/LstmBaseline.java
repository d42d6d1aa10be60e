package org.mambats.backtest.baseline;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.features.Normalizer;
import org.mambats.model.features.TickFeatures;
import org.mambats.model.train.Nd4jRuntime;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A small recurrent network on Deeplearning4j: the model's six features, normalised as the model normalises them
 * (mean and standard deviation of the training part, clipped to +-10), into one LSTM layer and a dense
 * (identity) output per horizon, trained with mean squared error on the horizon targets divided by their RMS.
 * Windows of {@code window} ticks cut from the training part start from a zero state; Adam; after each epoch the
 * whole window is run through the network and the epoch with the lowest squared error on the validation part
 * (the end of the training window, held out) is kept. The quantiles are the prediction plus the empirical
 * quantiles of the validation residuals (the training residuals when the window has no validation part).
 *
 * <p>The network is trained from a zero state on windows of {@code window} ticks; it forecasts likewise, from a zero
 * state, over a context of {@code 2 * window} to {@code 2 * window + block - 1} ticks ending at the forecast's tick (see
 * {@link #outputs}), never over a state that ran for longer than anything it was trained on.
 */
public final class LstmBaseline implements Baseline {
    static {
        // Deeplearning4j and ND4J log INFO lines on start-up through slf4j-simple (the launcher's binding): keep them to WARN.
        Nd4jRuntime.beforeStart();
        if (System.getProperty("org.slf4j.simpleLogger.log.org.deeplearning4j") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.org.deeplearning4j", "warn");
        }
    }

    public static final String NAME = "lstm";
    /** Blocks per batch of the batched forward (see {@link #outputs}). */
    static final int LANES = 32;
    public static final int DEFAULT_BLOCK = 2048;
    private final int hidden;
    private final int epochs;
    private final int window;
    private final int batch;
    private final double learningRate;
    private final int block;
    private final Consumer<String> progress;

    public LstmBaseline(int hidden, int epochs, int window, Consumer<String> progress) {
        this(hidden, epochs, window, 32, 5e-3, DEFAULT_BLOCK, progress);
    }

    /**
     * @param block ticks per block of the batched forward: a forecast's context is {@code 2 * window} ticks plus up to
     *              {@code block - 1} more
     */
    public LstmBaseline(int hidden, int epochs, int window, int batch, double learningRate, int block, Consumer<String> progress) {
        if (hidden < 1 || epochs < 1 || window < 2 || batch < 1) {
            throw new IllegalArgumentException("LSTM baseline: hidden, epochs, batch must be >= 1 and window >= 2");
        }
        this.hidden = hidden;
        this.epochs = epochs;
        this.window = window;
        this.batch = batch;
        this.learningRate = learningRate;
        this.block = block;
        this.progress = progress == null ? s -> { } : progress;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Fitted fit(FitWindow w) {
        int f = TickFeatures.COUNT, hCount = w.nHorizons(), n = w.n();
        int trainEnd = w.validationStart;
        Normalizer norm = Normalizer.fit(w.ticks.rawFeatures, trainEnd, f);
        float[] x = normalised(w.ticks, norm);
        float[] scale = new float[hCount];
        for (int h = 0; h < hCount; h++) {
            double ms = w.trainingTargetMeanSquare(h);
            double rms = Double.isNaN(ms) ? 0 : Math.sqrt(ms);
            scale[h] = rms > 1e-12 ? (float) rms : 1e-4f;
        }

        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(w.seed)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .updater(new Adam(learningRate))
                .list()
                .layer(new LSTM.Builder().nIn(f).nOut(hidden).activation(Activation.TANH).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .nIn(hidden).nOut(hCount).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();

        // Windows over the training part; the last one padded and masked.
        List<Integer> starts = new ArrayList<>();
        for (int s = 0; s + 1 < trainEnd; s += window) {
            starts.add(s);
        }
        SplittableRandom rnd = new SplittableRandom(w.seed);
        boolean hasVal = trainEnd < n;
        double best = Double.POSITIVE_INFINITY;
        INDArray bestParams = null;
        int bestEpoch = -1, since = 0, run = 0;
        double lastTrain = Double.NaN;
        for (int e = 0; e < epochs; e++) {
            long t0 = System.nanoTime();
            Integer[] order = starts.toArray(new Integer[0]);
            for (int i = order.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                Integer t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            double sum = 0;
            int batches = 0;
            for (int b = 0; b < order.length; b += batch) {
                int lanes = Math.min(batch, order.length - b);
                float[] fx = new float[lanes * f * window];
                float[] fy = new float[lanes * hCount * window];
                float[] mask = new float[lanes * window];
                for (int l = 0; l < lanes; l++) {
                    int s = order[b + l];
                    int len = Math.min(window, trainEnd - s);
                    for (int t = 0; t < len; t++) {
                        int i = s + t;
                        boolean known = true;
                        for (int h = 0; h < hCount; h++) {
                            known &= Float.isFinite(w.trainingTarget(i, h));
                        }
                        for (int k = 0; k < f; k++) {
                            fx[(l * f + k) * window + t] = x[i * f + k];
                        }
                        if (known) {
                            mask[l * window + t] = 1f;
                            for (int h = 0; h < hCount; h++) {
                                fy[(l * hCount + h) * window + t] = w.trainingTarget(i, h) / scale[h];
                            }
                        }
                    }
                }
                DataSet ds = new DataSet(Nd4j.create(fx, new long[] {lanes, f, window}, 'c'),
                        Nd4j.create(fy, new long[] {lanes, hCount, window}, 'c'), null,
                        Nd4j.create(mask, new long[] {lanes, window}, 'c'));
                net.fit(ds);
                sum += net.score();
                batches++;
            }
            run++;
            lastTrain = batches == 0 ? Double.NaN : sum / batches;
            double val = Double.NaN;
            if (hasVal) {
                float[] pred = outputs(net, x, n, hCount);
                val = squaredError(pred, w, scale, trainEnd, n);
                if (val < best) {
                    best = val;
                    bestEpoch = e;
                    bestParams = net.params().dup();
                    since = 0;
                } else if (++since >= 2) {
                    progress.accept(String.format(Locale.ROOT, "    lstm epoch %d/%d: train score %.4f, validation MSE %.4f (%.1f s), stopping", e + 1,
                            epochs, lastTrain, val, (System.nanoTime() - t0) / 1e9));
                    break;
                }
            }
            progress.accept(String.format(Locale.ROOT, "    lstm epoch %d/%d: train score %.4f, validation MSE %.4f%s (%.1f s)", e + 1, epochs,
                    lastTrain, val, e == bestEpoch ? "  best so far" : "", (System.nanoTime() - t0) / 1e9));
        }
        if (bestParams != null) {
            net.setParams(bestParams);
        }

        // Residual quantiles (validation part, else training part), in log-return units.
        float[] pred = outputs(net, x, n, hCount);
        int from = hasVal ? trainEnd : 0;
        float[] offsets = new float[hCount * w.quantiles.length];
        for (int h = 0; h < hCount; h++) {
            float[] res = new float[n - from];
            int m = 0;
            for (int i = from; i < n; i++) {
                float y = w.target(i, h);
                if (Float.isFinite(y)) {
                    res[m++] = y - pred[i * hCount + h] * scale[h];
                }
            }
            float[] sorted = Arrays.copyOf(res, m);
            Arrays.sort(sorted);
            for (int j = 0; j < w.quantiles.length; j++) {
                offsets[h * w.quantiles.length + j] = m == 0 ? 0 : sorted[Math.min(m - 1, (int) Math.floor(w.quantiles[j] * m))];
            }
        }
        int epochsRun = run, keptEpoch = bestEpoch;
        double bestVal = best, train = lastTrain;
        return new Fitted() {
            @Override
            public ObjectNode describe() {
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                o.put("hidden", hidden).put("window", window).put("epochs_run", epochsRun).put("best_epoch", keptEpoch + 1)
                        .put("validation_mse", Double.isFinite(bestVal) ? bestVal : null).put("last_train_mse", train)
                        .put("parameters", net.numParams());
                ObjectNode per = o.putObject("residual_quantiles");
                for (int h = 0; h < hCount; h++) {
                    ArrayNode a = per.putArray(w.horizons.get(h).label());
                    for (int j = 0; j < w.quantiles.length; j++) {
                        a.add(offsets[h * w.quantiles.length + j]);
                    }
                }
                return o;
            }

            @Override
            public void forecast(TickSeries ticks, int from, float[] out) {
                int nQ = w.quantiles.length;
                float[] p = outputs(net, normalised(ticks, norm), ticks.length, hCount);
                for (int i = from; i < ticks.length; i++) {
                    int base = (i - from) * hCount * nQ;
                    for (int h = 0; h < hCount; h++) {
                        float mid = p[i * hCount + h] * scale[h];
                        for (int j = 0; j < nQ; j++) {
                            out[base + h * nQ + j] = mid + offsets[h * nQ + j];
                        }
                    }
                }
            }
        };
    }

    private static float[] normalised(TickSeries s, Normalizer norm) {
        int f = TickFeatures.COUNT;
        float[] x = s.rawFeatures.clone();
        for (int i = 0; i < s.length; i++) {
            norm.apply(x, i * f);
        }
        return x;
    }

    /**
     * The network's outputs at ticks 0..n-1, [n, H] (normalised units): the ticks are cut into blocks of
     * {@code block}; the output at a tick of block b is the network run from a zero state over the block up to that
     * tick and the {@code context} ticks before the block. All blocks run at once as the lanes of one batch
     * ({@link MultiLayerNetwork#output}), which is what makes the baseline fast: Deeplearning4j's LSTM costs a few
     * hundred microseconds a time step whatever the batch. An output depends only on ticks at or before its own.
     */
    private float[] outputs(MultiLayerNetwork net, float[] x, int n, int hCount) {
        int f = TickFeatures.COUNT;
        int context = 2 * window;
        float[] out = new float[n * hCount];
        int blocks = (n + block - 1) / block;
        for (int first = 0; first < blocks; first += LANES) {
            int lanes = Math.min(LANES, blocks - first);
            int len = 0;
            int[] from = new int[lanes], start = new int[lanes], end = new int[lanes];
            for (int l = 0; l < lanes; l++) {
                start[l] = (first + l) * block;
                end[l] = Math.min(n, start[l] + block);
                from[l] = Math.max(0, start[l] - context);
                len = Math.max(len, end[l] - from[l]);
            }
            // Left-aligned lanes, zero-padded on the right: padding only follows a lane's real ticks.
            float[] in = new float[lanes * f * len];
            for (int l = 0; l < lanes; l++) {
                for (int t = 0; t < end[l] - from[l]; t++) {
                    for (int k = 0; k < f; k++) {
                        in[(l * f + k) * len + t] = x[(from[l] + t) * f + k];
                    }
                }
            }
            INDArray y = net.output(Nd4j.create(in, new long[] {lanes, f, len}, 'c'));
            float[] v = y.dup('c').data().asFloat(); // [lanes, H, len]
            for (int l = 0; l < lanes; l++) {
                for (int i = start[l]; i < end[l]; i++) {
                    int t = i - from[l];
                    for (int h = 0; h < hCount; h++) {
                        out[i * hCount + h] = v[(l * hCount + h) * len + t];
                    }
                }
            }
        }
        return out;
    }

    private static double squaredError(float[] pred, FitWindow w, float[] scale, int from, int to) {
        int hCount = w.nHorizons();
        double s = 0;
        long c = 0;
        for (int i = from; i < to; i++) {
            for (int h = 0; h < hCount; h++) {
                float y = w.target(i, h);
                if (Float.isFinite(y)) {
                    double d = y / scale[h] - pred[i * hCount + h];
                    s += d * d;
                    c++;
                }
            }
        }
        return c == 0 ? Double.NaN : s / c;
    }
}
