package org.mambats.model.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.mambats.model.forecast.ForecasterWeights;
import org.mambats.model.io.Tensor;
import org.mambats.model.mamba.MambaConfig;
import org.mambats.model.mamba.MambaWeights;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.PolySchedule;
import org.nd4j.linalg.schedule.RampSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * Trains a {@link ForecasterWeights} in place with truncated BPTT, ND4J's Adam updater with decoupled weight decay
 * (ND4J's {@link WeightDecay} applied after the updater, i.e. AdamW), gradient clipping by global norm, an ND4J
 * learning-rate schedule, and early stopping on a validation loss.
 *
 * <p>The master copy of the parameters is one flat ND4J vector (canonical order of
 * {@link ForecasterWeights#toTensors()}); the Adam state is a view array of twice its length. After every update
 * the vector is copied back into the weights' float arrays, which the {@link ForecasterEngine} reads.
 *
 * <p>Reproducibility: with the weights initialised from a seed and the same {@link TrainerConfig#seed()}, a run
 * gives the same weights bit for bit (per-lane gradients are summed in a fixed order; gemm and the updater are
 * deterministic for a fixed machine).
 */
public final class Trainer implements AutoCloseable {
    static {
        Nd4jRuntime.beforeStart();
    }

    private final ForecasterWeights weights;
    private final TrainerConfig cfg;
    private final PinballLoss loss;
    private final ForecasterEngine engine;
    private final Adam adam;
    private final GradientUpdater<?> updater;
    private final INDArray params;
    private final INDArray grad;
    private final INDArray updaterState;
    private final WeightDecay weightDecay;
    private final List<long[]> decayed = new ArrayList<>();
    /** Where each layer's A_log starts in the flat vector, when the decays are tied (re-tied after each update). */
    private final List<Integer> tiedALogs = new ArrayList<>();
    private final float[] flat;
    private final SplittableRandom rnd;
    private int iteration;
    private int epoch;

    /** Result of one optimizer step. {@code loss} is NaN (and no update made) when the batch had no known target. */
    public record StepResult(double loss, long count, double gradNorm, double learningRate, BatchState finalState) {
    }

    /** Result of {@link #fit}. */
    public record FitResult(int epochsRun, int bestEpoch, double bestValidationLoss, double lastTrainLoss,
                            boolean stoppedEarly, List<TrainingListener.EpochInfo> history) {
    }

    /** Trains {@code weights} in place; the number of quantiles must match the config's levels. */
    public Trainer(ForecasterWeights weights, TrainerConfig config) {
        this.cfg = config;
        this.weights = weights;
        this.loss = new PinballLoss(cfg.quantileLevels());
        if (weights.nQuantiles() != loss.nQuantiles()) {
            throw new IllegalArgumentException("the model has " + weights.nQuantiles() + " quantiles, the config "
                    + loss.nQuantiles() + " levels");
        }
        this.engine = new ForecasterEngine(cfg.threads()).reuseBuffers(true);
        this.flat = weights.flatten();
        long p = flat.length;
        this.params = Nd4j.create(DataType.FLOAT, p);
        this.params.data().asNioFloat().put(flat);
        this.grad = Nd4j.create(DataType.FLOAT, p);
        this.adam = new Adam(cfg.learningRate(), cfg.beta1(), cfg.beta2(), cfg.adamEpsilon());
        this.adam.setLearningRateSchedule(cfg.schedule() != null ? cfg.schedule()
                : new RampSchedule(new FixedSchedule(cfg.learningRate()), Math.max(1, cfg.warmupSteps())));
        this.updaterState = Nd4j.create(DataType.FLOAT, adam.stateSize(p));
        this.updater = adam.instantiate(updaterState, true);
        this.weightDecay = cfg.weightDecay() > 0 ? new WeightDecay(cfg.weightDecay(), true) : null;
        long o = 0;
        for (Map.Entry<String, Tensor> e : weights.toTensors().entrySet()) {
            int n = e.getValue().data().length;
            if (isDecayed(e.getKey())) {
                decayed.add(new long[] {o, o + n});
            }
            if (weights.config().tiedDecays() && e.getKey().endsWith("mixer.A_log")) {
                tiedALogs.add((int) o);
            }
            o += n;
        }
        this.rnd = new SplittableRandom(cfg.seed());
    }

    /** A trainer for freshly initialised weights ({@link ForecasterWeights#initialize}) from the config's seed. */
    public static Trainer create(MambaConfig backbone, int nFeatures, int nHorizons, TrainerConfig config) {
        ForecasterWeights w = ForecasterWeights.initialize(backbone, nFeatures, nHorizons,
                config.quantileLevels().length, config.seed());
        return new Trainer(w, config);
    }

    /** Weight decay applies to the weight matrices (projections, conv, input projection, head), not to norms,
     * biases, A_log or D. */
    static boolean isDecayed(String name) {
        return name.endsWith("in_proj.weight") || name.endsWith("x_proj.weight") || name.endsWith("dt_proj.weight")
                || name.endsWith("out_proj.weight") || name.endsWith("conv1d.weight")
                || name.equals(ForecasterWeights.INPUT_WEIGHT) || name.equals(ForecasterWeights.HEAD_WEIGHT);
    }

    /** The weights being trained (live). */
    public ForecasterWeights weights() {
        return weights;
    }

    public TrainerConfig config() {
        return cfg;
    }

    public PinballLoss loss() {
        return loss;
    }

    /** The engine (for forward passes with the current weights); it reuses its buffers, see {@link ForecasterEngine#reuseBuffers}. */
    public ForecasterEngine engine() {
        return engine;
    }

    /** Optimizer steps made so far. */
    public int iteration() {
        return iteration;
    }

    @Override
    public void close() {
        engine.close();
    }

    // -------------------------------------------------------------------------------------------------- step

    /**
     * One optimizer step on a batch: forward from {@code initial} (null = zeros), mean pinball loss against
     * {@code targets} [B, L, H] (NaN = unknown), backward, clip, Adam(W) update.
     */
    public StepResult step(SequenceBatch batch, float[] targets, BatchState initial) {
        return step(batch, targets, initial, null);
    }

    /**
     * As {@link #step(SequenceBatch, float[], BatchState)}, the loss weighted per lane ({@code laneWeight} null: all
     * the same): the gradient is that of {@code sum(w l) / sum(w)} over the known targets; the loss reported stays the
     * plain mean.
     */
    StepResult step(SequenceBatch batch, float[] targets, BatchState initial, float[] laneWeight) {
        ForecasterEngine.Pass pass = engine.forward(weights, batch, initial);
        float[] dq = new float[pass.quantiles().length];
        PinballLoss.Result r = loss.evaluate(pass.quantiles(), targets, weights.nHorizons(), dq);
        if (laneWeight != null && r.count() > 0) {
            weigh(dq, targets, laneWeight, batch.batch());
        }
        if (r.count() == 0) {
            return new StepResult(Double.NaN, 0, 0, adam.getLearningRate(iteration, epoch), pass.finalState());
        }
        if (!Double.isFinite(r.sum())) {
            throw new IllegalStateException("non-finite loss at iteration " + iteration + ": check the inputs' scale");
        }
        ForecasterWeights g = engine.backward(pass, dq);
        double[] normAndLr = apply(g);
        return new StepResult(r.mean(), r.count(), normAndLr[0], normAndLr[1], pass.finalState());
    }

    /**
     * Copies window {@code win} of sequence {@code q} into lane {@code b} of a batch {@code w} ticks long: its features,
     * its targets and, where the sequence has them and the batch takes them, its delta scales.
     */
    private void copyWindow(TrainingSequence q, WindowPlan.Window win, int b, int w, float[] features, float[] targets, float[] g) {
        int f = weights.nFeatures(), h = weights.nHorizons();
        System.arraycopy(q.features(), win.start() * f, features, b * w * f, win.length() * f);
        System.arraycopy(q.targets(), win.start() * h, targets, b * w * h, win.length() * h);
        if (g != null && q.deltaScale() != null) {
            System.arraycopy(q.deltaScale(), win.start(), g, b * w, win.length());
        }
    }

    /** Rescales a plain-mean gradient to the weighted mean's: entry i of lane b times {@code w_b * count / sum(w)}. */
    static void weigh(float[] dq, float[] targets, float[] laneWeight, int lanes) {
        int perLane = targets.length / lanes, q = dq.length / targets.length;
        double sum = 0;
        long count = 0;
        for (int b = 0; b < lanes; b++) {
            for (int i = b * perLane; i < (b + 1) * perLane; i++) {
                if (Float.isFinite(targets[i])) {
                    sum += laneWeight[b];
                    count++;
                }
            }
        }
        if (sum <= 0) {
            return;
        }
        for (int b = 0; b < lanes; b++) {
            float f = (float) (laneWeight[b] * count / sum);
            if (f != 1f) {
                for (int i = b * perLane * q; i < (b + 1) * perLane * q; i++) {
                    dq[i] *= f;
                }
            }
        }
    }

    /** Clips, runs ND4J's Adam, adds decoupled weight decay, updates the parameters. Returns {norm, lr}. */
    private double[] apply(ForecasterWeights g) {
        int o = 0;
        double ss = 0;
        for (float[] a : g.parameterArrays()) {
            for (float v : a) {
                ss += (double) v * v;
            }
            System.arraycopy(a, 0, flat, o, a.length);
            o += a.length;
        }
        double norm = Math.sqrt(ss);
        if (!Double.isFinite(norm)) {
            throw new IllegalStateException("non-finite gradient at iteration " + iteration);
        }
        if (cfg.clipNorm() > 0 && norm > cfg.clipNorm()) {
            float scale = (float) (cfg.clipNorm() / norm);
            for (int i = 0; i < flat.length; i++) {
                flat[i] *= scale;
            }
        }
        grad.data().asNioFloat().put(flat);
        updater.applyUpdater(grad, iteration, epoch); // grad now holds the Adam update
        double lr = adam.getLearningRate(iteration, epoch);
        if (weightDecay != null) {
            for (long[] range : decayed) {
                weightDecay.apply(params.get(NDArrayIndex.interval(range[0], range[1])),
                        grad.get(NDArrayIndex.interval(range[0], range[1])), lr, iteration, epoch);
            }
        }
        params.subi(grad);
        params.data().asNioFloat().get(flat);
        if (!tiedALogs.isEmpty()) {
            retie();
        }
        weights.unflatten(flat);
        iteration++;
        return new double[] {norm, lr};
    }

    /**
     * Puts each A_log back into the tied form, in the flat vector and the master copy: every column of a row got the
     * same update, and this removes what rounding made of it, so checkpoints are tied exactly.
     */
    private void retie() {
        MambaConfig c = weights.config();
        int e = c.dInner(), n = c.dState();
        float[] row = new float[e * n];
        for (int at : tiedALogs) {
            System.arraycopy(flat, at, row, 0, row.length);
            MambaWeights.tie(row, e, n);
            System.arraycopy(row, 0, flat, at, row.length);
            params.get(NDArrayIndex.interval(at, at + row.length)).assign(Nd4j.createFromArray(row));
        }
    }

    // --------------------------------------------------------------------------------------------------- fit

    /**
     * Trains for up to {@link TrainerConfig#epochs()} epochs over {@code train} (TBPTT windows, state carried
     * between consecutive windows of a sequence), evaluating {@code validation} (may be null or empty) after each
     * epoch; stops early after {@link TrainerConfig#patience()} epochs without improvement or when the listener's
     * {@link TrainingListener#onEpoch} returns false, and finally restores the best validation epoch's weights
     * (when configured).
     */
    public FitResult fit(List<TrainingSequence> train, List<TrainingSequence> validation, TrainingListener listener) {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("no training sequences");
        }
        TrainingListener ls = listener == null ? new TrainingListener() { } : listener;
        checkShapes(train);
        boolean hasVal = validation != null && !validation.isEmpty();
        if (hasVal) {
            checkShapes(validation);
        }
        int w = cfg.windowLength();
        int[] lengths = train.stream().mapToInt(TrainingSequence::length).toArray();
        int[] shifts = new int[cfg.epochs()];
        long totalSteps = 0;
        SplittableRandom shiftRnd = rnd.split();
        SplittableRandom orderRnd = rnd.split();
        int[] identity = new int[lengths.length];
        for (int i = 0; i < identity.length; i++) {
            identity[i] = i;
        }
        for (int e = 0; e < shifts.length; e++) {
            shifts[e] = cfg.randomShift() && w > 1 ? shiftRnd.nextInt(w) : 0;
            totalSteps += WindowPlan.build(lengths, identity, cfg.batchSize(), w, shifts[e]).steps;
        }
        if (cfg.schedule() == null) {
            int warm = Math.max(1, cfg.warmupSteps());
            ISchedule base = cfg.decay()
                    ? new PolySchedule(ScheduleType.ITERATION, cfg.learningRate(), 1.0, (int) Math.min(Integer.MAX_VALUE, iteration + totalSteps + 1))
                    : new FixedSchedule(cfg.learningRate());
            adam.setLearningRateSchedule(new RampSchedule(base, warm));
        }

        List<TrainingListener.EpochInfo> history = new ArrayList<>();
        double best = Double.POSITIVE_INFINITY;
        int bestEpoch = -1;
        int since = 0;
        float[] bestWeights = null;
        double lastTrain = Double.NaN;
        boolean stopped = false;
        int run = 0;
        for (int e = 0; e < cfg.epochs(); e++) {
            long start = System.nanoTime();
            int[] order = identity.clone();
            for (int i = order.length - 1; i > 0; i--) {
                int j = orderRnd.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            WindowPlan plan = WindowPlan.build(lengths, order, cfg.batchSize(), w, shifts[e]);
            double sum = 0;
            long count = 0;
            long ticks = 0;
            BatchState state = null;
            for (int s = 0; s < plan.steps; s++) {
                Assembled a = assemble(train, plan, s, w, state);
                StepResult r = step(a.batch, a.targets, a.state, a.laneWeight);
                state = r.finalState();
                if (r.count() > 0) {
                    sum += r.loss() * r.count();
                    count += r.count();
                }
                ticks += a.ticks;
                double secs = (System.nanoTime() - start) / 1e9;
                ls.onStep(new TrainingListener.StepInfo(e, s, plan.steps, iteration - 1L, r.loss(), r.gradNorm(),
                        r.learningRate(), ticks / Math.max(secs, 1e-9)));
            }
            epoch++;
            run++;
            lastTrain = count == 0 ? Double.NaN : sum / count;
            long trainNanos = System.nanoTime() - start;
            double val = hasVal ? evaluate(validation).mean() : Double.NaN;
            boolean improved = hasVal && val < best - cfg.minDelta();
            if (improved) {
                best = val;
                bestEpoch = e;
                since = 0;
                bestWeights = weights.flatten();
            } else if (hasVal) {
                since++;
            }
            TrainingListener.EpochInfo info = new TrainingListener.EpochInfo(e, lastTrain, val, improved, bestEpoch,
                    best, since, (System.nanoTime() - start) / 1_000_000, ticks / (trainNanos / 1e9));
            history.add(info);
            boolean go = ls.onEpoch(info);
            if (!go || (hasVal && cfg.patience() > 0 && since >= cfg.patience())) {
                stopped = e + 1 < cfg.epochs();
                break;
            }
        }
        if (hasVal && cfg.restoreBest() && bestWeights != null) {
            setParameters(bestWeights);
        }
        return new FitResult(run, bestEpoch, hasVal ? best : Double.NaN, lastTrain, stopped, history);
    }

    /** Replaces the parameters (and the master copy); the Adam moments are kept. */
    public void setParameters(float[] flatParams) {
        weights.unflatten(flatParams);
        System.arraycopy(flatParams, 0, flat, 0, flat.length);
        params.data().asNioFloat().put(flat);
    }

    private void checkShapes(List<TrainingSequence> seqs) {
        for (TrainingSequence s : seqs) {
            if (s.nFeatures() != weights.nFeatures() || s.nHorizons() != weights.nHorizons()) {
                throw new IllegalArgumentException("a sequence has " + s.nFeatures() + " features and "
                        + s.nHorizons() + " horizons, the model " + weights.nFeatures() + " and " + weights.nHorizons());
            }
        }
    }

    /** {@code laneWeight}: each lane's sequence weight this step, or null when every sequence weighs 1. */
    private record Assembled(SequenceBatch batch, float[] targets, BatchState state, long ticks, float[] laneWeight) {
    }

    /** Builds step {@code s} of a plan; resets the lanes whose window does not continue the carried state. */
    private Assembled assemble(List<TrainingSequence> seqs, WindowPlan plan, int s, int w, BatchState carried) {
        int lanes = plan.lanes.size();
        int f = weights.nFeatures(), h = weights.nHorizons();
        float[] features = new float[lanes * w * f];
        float[] targets = new float[lanes * w * h];
        Arrays.fill(targets, Float.NaN);
        boolean anyScale = false;
        for (TrainingSequence q : seqs) {
            anyScale |= q.deltaScale() != null;
        }
        float[] g = null;
        if (anyScale) {
            g = new float[lanes * w];
            Arrays.fill(g, 1f);
        }
        int[] valid = new int[lanes];
        boolean weighted = false;
        for (TrainingSequence q : seqs) {
            weighted |= q.weight() != 1f;
        }
        float[] laneWeight = weighted ? new float[lanes] : null;
        BatchState state = carried != null && cfg.carryState() ? carried : BatchState.zeros(weights.config(), lanes);
        long ticks = 0;
        for (int b = 0; b < lanes; b++) {
            List<WindowPlan.Window> lane = plan.lanes.get(b);
            WindowPlan.Window win = s < lane.size() ? lane.get(s) : null;
            if (win == null || !win.continues() || !cfg.carryState()) {
                state.reset(b);
            }
            if (win == null) {
                continue;
            }
            TrainingSequence q = seqs.get(win.sequence());
            copyWindow(q, win, b, w, features, targets, g);
            valid[b] = win.length();
            ticks += win.length();
            if (laneWeight != null) {
                laneWeight[b] = q.weight();
            }
        }
        return new Assembled(new SequenceBatch(lanes, w, features, g, valid), targets, state, ticks, laneWeight);
    }

    // ---------------------------------------------------------------------------------------------- evaluate

    /**
     * Mean pinball loss of the current weights over whole sequences, each run from a zero state through all its
     * ticks (in windows, the state carried), exactly as the streaming step would see them. Sequences run in
     * parallel lanes, up to the batch size.
     */
    public PinballLoss.Result evaluate(List<TrainingSequence> seqs) {
        return evaluate(seqs, null);
    }

    /**
     * The same, and when {@code perTick} is not null, each sequence's per-tick loss (summed over its known
     * horizons and quantiles, see {@link PinballLoss#perTick}) into {@code perTick[i]}, one entry per tick.
     */
    public PinballLoss.Result evaluate(List<TrainingSequence> seqs, double[][] perTick) {
        checkShapes(seqs);
        if (perTick != null) {
            for (int i = 0; i < seqs.size(); i++) {
                perTick[i] = new double[seqs.get(i).length()];
            }
        }
        int lanes = Math.min(cfg.batchSize(), seqs.size());
        int w = Math.min(4096, cfg.windowLength() * Math.max(1, cfg.batchSize() / lanes));
        // lane b runs sequences b, b + lanes, ... one after the other
        List<List<WindowPlan.Window>> plan = new ArrayList<>();
        for (int b = 0; b < lanes; b++) {
            List<WindowPlan.Window> lane = new ArrayList<>();
            for (int i = b; i < seqs.size(); i += lanes) {
                int len = seqs.get(i).length();
                for (int start = 0; start < len; start += w) {
                    lane.add(new WindowPlan.Window(i, start, Math.min(w, len - start), start > 0));
                }
            }
            plan.add(lane);
        }
        int steps = plan.stream().mapToInt(List::size).max().orElse(0);
        double sum = 0;
        long count = 0;
        BatchState state = BatchState.zeros(weights.config(), lanes);
        int f = weights.nFeatures(), h = weights.nHorizons();
        boolean anyScale = seqs.stream().anyMatch(q -> q.deltaScale() != null);
        for (int s = 0; s < steps; s++) {
            float[] features = new float[lanes * w * f];
            float[] targets = new float[lanes * w * h];
            Arrays.fill(targets, Float.NaN);
            float[] g = anyScale ? new float[lanes * w] : null;
            if (g != null) {
                Arrays.fill(g, 1f);
            }
            int[] valid = new int[lanes];
            for (int b = 0; b < lanes; b++) {
                List<WindowPlan.Window> lane = plan.get(b);
                WindowPlan.Window win = s < lane.size() ? lane.get(s) : null;
                if (win == null || !win.continues()) {
                    state.reset(b);
                }
                if (win == null) {
                    continue;
                }
                copyWindow(seqs.get(win.sequence()), win, b, w, features, targets, g);
                valid[b] = win.length();
            }
            ForecasterEngine.Pass p = engine.forward(weights, new SequenceBatch(lanes, w, features, g, valid), state);
            PinballLoss.Result r = loss.evaluate(p.quantiles(), targets, h, null);
            sum += r.sum();
            count += r.count();
            if (perTick != null) {
                int hq = h * loss.nQuantiles();
                for (int b = 0; b < lanes; b++) {
                    List<WindowPlan.Window> lane = plan.get(b);
                    if (s < lane.size()) {
                        WindowPlan.Window win = lane.get(s);
                        loss.perTick(Arrays.copyOfRange(p.quantiles(), b * w * hq, (b * w + win.length()) * hq),
                                Arrays.copyOfRange(targets, b * w * h, (b * w + win.length()) * h), h, win.length(),
                                perTick[win.sequence()], win.start());
                    }
                }
            }
            state = p.finalState();
        }
        return new PinballLoss.Result(sum, count);
    }
}
