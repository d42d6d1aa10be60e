package org.mambats.model.train;

import org.nd4j.linalg.schedule.ISchedule;

/**
 * Hyper-parameters of {@link Trainer}, checked when made. {@link #defaults()}: batch 32 lanes x 256-tick windows,
 * state carried across windows, 20 epochs, Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8) with decoupled weight decay
 * 0.01 on the weight matrices, gradient clipping at global norm 1, linear warm-up over 50 steps then linear decay to
 * 0 at the end of the last epoch, early stopping after 3 epochs without validation improvement, seed 42, quantiles
 * 0.1/0.5/0.9. Another: {@code TrainerConfig.defaults().with(b -> { b.epochs = 5; b.seed = 7; })}.
 *
 * @param batchSize      lanes per batch
 * @param windowLength   ticks per truncated-BPTT window
 * @param carryState     carry the (detached) state from a window to the next window of the same sequence; else
 *                       start each at zero
 * @param randomShift    move the window boundaries by a seeded random offset every epoch
 * @param learningRate   peak learning rate of the default schedule (ignored when {@code schedule} is set)
 * @param schedule       an explicit ND4J learning-rate schedule ({@code org.nd4j.linalg.schedule}), valued in learning
 *                       rate per (iteration, epoch); null uses warm-up + linear decay built from {@code learningRate},
 *                       {@code warmupSteps} and {@code decay}
 * @param decay          decay the default schedule linearly to 0 at the end of the last epoch (else constant after
 *                       warm-up)
 * @param weightDecay    decoupled (AdamW) weight decay on weight matrices; 0 disables
 * @param clipNorm       clip the gradient to this global L2 norm; 0 or negative disables clipping
 * @param patience       stop after this many epochs without validation improvement; 0 disables early stopping
 * @param minDelta       an improvement must lower the validation loss by more than this
 * @param restoreBest    at the end of {@link Trainer#fit}, put back the weights of the best validation epoch
 * @param seed           seed of the epoch shuffles and shifts (initialise the weights from the same seed for a
 *                       reproducible run)
 * @param quantileLevels strictly ascending in (0, 1); their count is the model's Q
 * @param threads        worker threads for the per-lane loops (gemm threads are OpenBLAS's own)
 */
public record TrainerConfig(int batchSize, int windowLength, int epochs, boolean carryState, boolean randomShift, double learningRate,
                            ISchedule schedule, int warmupSteps, boolean decay, double beta1, double beta2, double adamEpsilon,
                            double weightDecay, double clipNorm, int patience, double minDelta, boolean restoreBest, long seed,
                            float[] quantileLevels, int threads) {
    public TrainerConfig {
        require(batchSize > 0, "batchSize must be positive");
        require(windowLength > 0, "windowLength must be positive");
        require(epochs > 0, "epochs must be positive");
        require(learningRate > 0, "learningRate must be positive");
        require(warmupSteps >= 0, "warmupSteps must be >= 0");
        require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && adamEpsilon > 0, "bad Adam parameters");
        require(weightDecay >= 0, "weightDecay must be >= 0");
        require(patience >= 0, "patience must be >= 0");
        require(minDelta >= 0, "minDelta must be >= 0");
        require(threads > 0, "threads must be positive");
        new PinballLoss(quantileLevels); // validates the levels
        quantileLevels = quantileLevels.clone();
    }

    public static TrainerConfig defaults() {
        return new Builder().build();
    }

    /** This configuration with {@code changes} made to a {@link Builder} holding its values; checked again. */
    public TrainerConfig with(java.util.function.Consumer<Builder> changes) {
        Builder b = new Builder();
        b.batchSize = batchSize;
        b.windowLength = windowLength;
        b.epochs = epochs;
        b.carryState = carryState;
        b.randomShift = randomShift;
        b.learningRate = learningRate;
        b.schedule = schedule;
        b.warmupSteps = warmupSteps;
        b.decay = decay;
        b.beta1 = beta1;
        b.beta2 = beta2;
        b.adamEpsilon = adamEpsilon;
        b.weightDecay = weightDecay;
        b.clipNorm = clipNorm;
        b.patience = patience;
        b.minDelta = minDelta;
        b.restoreBest = restoreBest;
        b.seed = seed;
        b.quantileLevels = quantileLevels.clone();
        b.threads = threads;
        changes.accept(b);
        return b.build();
    }

    /** A copy of the levels (arrays are mutable). */
    @Override
    public float[] quantileLevels() {
        return quantileLevels.clone();
    }

    /** The values of a configuration being made, the defaults to begin with; {@link #build()} checks them. */
    public static final class Builder {
        public int batchSize = 32;
        public int windowLength = 256;
        public int epochs = 20;
        public boolean carryState = true;
        public boolean randomShift = true;
        public double learningRate = 1e-3;
        public ISchedule schedule;
        public int warmupSteps = 50;
        public boolean decay = true;
        public double beta1 = 0.9;
        public double beta2 = 0.999;
        public double adamEpsilon = 1e-8;
        public double weightDecay = 0.01;
        public double clipNorm = 1.0;
        public int patience = 3;
        public double minDelta = 0.0;
        public boolean restoreBest = true;
        public long seed = 42;
        public float[] quantileLevels = org.mambats.model.forecast.Forecast.standardLevels();
        public int threads = Runtime.getRuntime().availableProcessors();

        private Builder() {
        }

        public TrainerConfig build() {
            return new TrainerConfig(batchSize, windowLength, epochs, carryState, randomShift, learningRate, schedule, warmupSteps, decay,
                    beta1, beta2, adamEpsilon, weightDecay, clipNorm, patience, minDelta, restoreBest, seed, quantileLevels, threads);
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
