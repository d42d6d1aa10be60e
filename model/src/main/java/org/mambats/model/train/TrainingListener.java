package org.mambats.model.train;

/** Progress callbacks of {@link Trainer#fit}. Both run on the training thread. */
public interface TrainingListener {

    /** After every optimizer step. */
    default void onStep(StepInfo info) {
    }

    /** After every epoch (and its validation). Return false to stop training (an early-stopping hook). */
    default boolean onEpoch(EpochInfo info) {
        return true;
    }

    /**
     * @param epoch          0-based epoch
     * @param step           0-based step within the epoch
     * @param stepsInEpoch   steps in this epoch
     * @param iteration      0-based optimizer step since the trainer was created
     * @param loss           mean pinball loss of the step's batch (before the update)
     * @param gradNorm       global gradient norm before clipping
     * @param learningRate   learning rate used for the update
     * @param ticksPerSecond throughput of this epoch so far (ticks with a loss or padding excluded: real ticks)
     */
    record StepInfo(int epoch, int step, int stepsInEpoch, long iteration, double loss, double gradNorm,
                    double learningRate, double ticksPerSecond) {
    }

    /**
     * @param validationLoss NaN without validation data
     * @param improved       validation improved on the best so far by more than the configured min delta
     */
    record EpochInfo(int epoch, double trainLoss, double validationLoss, boolean improved, int bestEpoch,
                     double bestValidationLoss, int epochsWithoutImprovement, long elapsedMillis, double ticksPerSecond) {
    }
}
