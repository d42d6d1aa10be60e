package org.mambats.model.train;

import org.nd4j.linalg.schedule.ISchedule;

/**
 * Hyper-parameters of {@link Trainer}, with fluent setters. Defaults: batch 32 lanes x 256-tick windows, state
 * carried across windows, 20 epochs, Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8) with decoupled weight decay 0.01 on
 * the weight matrices, gradient clipping at global norm 1, linear warm-up over 50 steps then linear decay to 0 at the
 * end of the last epoch, early stopping after 3 epochs without validation improvement, seed 42, quantiles
 * 0.1/0.5/0.9.
 */
public final class TrainerConfig {
    private int batchSize = 32;
    private int windowLength = 256;
    private int epochs = 20;
    private boolean carryState = true;
    private boolean randomShift = true;
    private double learningRate = 1e-3;
    private ISchedule schedule;
    private int warmupSteps = 50;
    private boolean decay = true;
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double adamEpsilon = 1e-8;
    private double weightDecay = 0.01;
    private double clipNorm = 1.0;
    private int patience = 3;
    private double minDelta = 0.0;
    private boolean restoreBest = true;
    private long seed = 42;
    private float[] quantileLevels = org.mambats.model.forecast.Forecast.standardLevels();
    private int threads = Runtime.getRuntime().availableProcessors();

    public static TrainerConfig defaults() {
        return new TrainerConfig();
    }

    public TrainerConfig copy() {
        TrainerConfig c = new TrainerConfig();
        c.batchSize = batchSize;
        c.windowLength = windowLength;
        c.epochs = epochs;
        c.carryState = carryState;
        c.randomShift = randomShift;
        c.learningRate = learningRate;
        c.schedule = schedule;
        c.warmupSteps = warmupSteps;
        c.decay = decay;
        c.beta1 = beta1;
        c.beta2 = beta2;
        c.adamEpsilon = adamEpsilon;
        c.weightDecay = weightDecay;
        c.clipNorm = clipNorm;
        c.patience = patience;
        c.minDelta = minDelta;
        c.restoreBest = restoreBest;
        c.seed = seed;
        c.quantileLevels = quantileLevels.clone();
        c.threads = threads;
        return c;
    }

    /** Lanes per batch. */
    public TrainerConfig batchSize(int v) {
        require(v > 0, "batchSize must be positive");
        batchSize = v;
        return this;
    }

    /** Ticks per truncated-BPTT window. */
    public TrainerConfig windowLength(int v) {
        require(v > 0, "windowLength must be positive");
        windowLength = v;
        return this;
    }

    public TrainerConfig epochs(int v) {
        require(v > 0, "epochs must be positive");
        epochs = v;
        return this;
    }

    /** Carry the (detached) state from a window to the next window of the same sequence; else start each at zero. */
    public TrainerConfig carryState(boolean v) {
        carryState = v;
        return this;
    }

    /** Move the window boundaries by a seeded random offset every epoch. */
    public TrainerConfig randomShift(boolean v) {
        randomShift = v;
        return this;
    }

    /** Peak learning rate of the default schedule (ignored when {@link #schedule(ISchedule)} is set). */
    public TrainerConfig learningRate(double v) {
        require(v > 0, "learningRate must be positive");
        learningRate = v;
        return this;
    }

    /**
     * An explicit ND4J learning-rate schedule ({@code org.nd4j.linalg.schedule}), valued in learning rate per
     * (iteration, epoch); null (the default) uses warm-up + linear decay built from {@link #learningRate(double)},
     * {@link #warmupSteps(int)} and {@link #decay(boolean)}.
     */
    public TrainerConfig schedule(ISchedule v) {
        schedule = v;
        return this;
    }

    public TrainerConfig warmupSteps(int v) {
        require(v >= 0, "warmupSteps must be >= 0");
        warmupSteps = v;
        return this;
    }

    /** Decay the default schedule linearly to 0 at the end of the last epoch (else constant after warm-up). */
    public TrainerConfig decay(boolean v) {
        decay = v;
        return this;
    }

    public TrainerConfig adam(double beta1, double beta2, double epsilon) {
        require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && epsilon > 0, "bad Adam parameters");
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.adamEpsilon = epsilon;
        return this;
    }

    /** Decoupled (AdamW) weight decay coefficient on weight matrices; 0 disables. */
    public TrainerConfig weightDecay(double v) {
        require(v >= 0, "weightDecay must be >= 0");
        weightDecay = v;
        return this;
    }

    /** Clip the gradient to this global L2 norm; 0 or negative disables clipping. */
    public TrainerConfig clipNorm(double v) {
        clipNorm = v;
        return this;
    }

    /** Stop after this many epochs without validation improvement; 0 disables early stopping. */
    public TrainerConfig patience(int v) {
        require(v >= 0, "patience must be >= 0");
        patience = v;
        return this;
    }

    /** An improvement must lower the validation loss by more than this. */
    public TrainerConfig minDelta(double v) {
        require(v >= 0, "minDelta must be >= 0");
        minDelta = v;
        return this;
    }

    /** At the end of {@link Trainer#fit}, put back the weights of the best validation epoch. */
    public TrainerConfig restoreBest(boolean v) {
        restoreBest = v;
        return this;
    }

    /** Seed of the epoch shuffles and shifts (initialise the weights from the same seed for a reproducible run). */
    public TrainerConfig seed(long v) {
        seed = v;
        return this;
    }

    /** Quantile levels, strictly ascending in (0, 1); their count is the model's Q. */
    public TrainerConfig quantileLevels(float... v) {
        new PinballLoss(v); // validates
        quantileLevels = v.clone();
        return this;
    }

    /** Worker threads for the per-lane loops (gemm threads are OpenBLAS's own). */
    public TrainerConfig threads(int v) {
        require(v > 0, "threads must be positive");
        threads = v;
        return this;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public int batchSize() {
        return batchSize;
    }

    public int windowLength() {
        return windowLength;
    }

    public int epochs() {
        return epochs;
    }

    public boolean carryState() {
        return carryState;
    }

    public boolean randomShift() {
        return randomShift;
    }

    public double learningRate() {
        return learningRate;
    }

    public ISchedule schedule() {
        return schedule;
    }

    public int warmupSteps() {
        return warmupSteps;
    }

    public boolean decay() {
        return decay;
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double adamEpsilon() {
        return adamEpsilon;
    }

    public double weightDecay() {
        return weightDecay;
    }

    public double clipNorm() {
        return clipNorm;
    }

    public int patience() {
        return patience;
    }

    public double minDelta() {
        return minDelta;
    }

    public boolean restoreBest() {
        return restoreBest;
    }

    public long seed() {
        return seed;
    }

    public float[] quantileLevels() {
        return quantileLevels.clone();
    }

    public int threads() {
        return threads;
    }
}
