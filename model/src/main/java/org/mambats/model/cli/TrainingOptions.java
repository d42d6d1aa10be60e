package org.mambats.model.cli;

import org.mambats.model.train.DataDefaults;
import org.mambats.model.train.TrainingRecipe;
import picocli.CommandLine.Option;

/**
 * The training options, declared once for every command that trains a forecaster ({@code train}, and
 * {@code backtest} for its walk-forward folds), so both accept the same options with the same defaults.
 * Used as a picocli {@code @Mixin}.
 */
public final class TrainingOptions {
    /** The defaults are the recipe's own, so they are written down in one place. */
    private static final TrainingRecipe DEFAULTS = new TrainingRecipe();

    @Option(names = "--horizons", description = "Forecast horizons (default: chosen from the data: "
            + DataDefaults.TRADE_HORIZONS + " on trades, " + DataDefaults.BAR_HORIZONS + " on bars).")
    String horizons;
    @Option(names = "--quantiles", split = ",", defaultValue = TrainingRecipe.DEFAULT_QUANTILES,
            description = "Quantile levels; the backtest needs 0.5, its point forecast (default ${DEFAULT-VALUE}).")
    float[] quantiles;
    @Option(names = "--d-model", description = "Model width D (default ${DEFAULT-VALUE}).")
    int dModel = DEFAULTS.dModel;
    @Option(names = "--layers", description = "Mamba layers (default ${DEFAULT-VALUE}).")
    int layers = DEFAULTS.layers;
    @Option(names = "--d-state", description = "SSM state size N (default ${DEFAULT-VALUE}).")
    int dState = DEFAULTS.dState;
    @Option(names = "--expand", description = "Inner width E = expand * D (default ${DEFAULT-VALUE}).")
    int expand = DEFAULTS.expand;
    @Option(names = "--d-conv", description = "Causal conv width K (default ${DEFAULT-VALUE}).")
    int dConv = DEFAULTS.dConv;
    @Option(names = "--untied-decays", description = "Train Mamba's free state matrix A instead of the tied A[e][n] = -(n+1) a[e] "
            + "(one learned rate per channel; the step's scan then needs one exponential per channel instead of N). For comparison.")
    boolean untiedDecays;
    @Option(names = "--epochs", description = "Maximum epochs (default ${DEFAULT-VALUE}).")
    int epochs = DEFAULTS.epochs;
    @Option(names = "--batch", description = "Windows per batch (default: chosen from the data, up to 32).")
    Integer batch;
    @Option(names = "--window", description = "Ticks per TBPTT window (default: chosen from the data, 32 to 256).")
    Integer window;
    @Option(names = "--lr", description = "Peak learning rate (default ${DEFAULT-VALUE}).")
    double learningRate = DEFAULTS.learningRate;
    @Option(names = "--weight-decay", description = "AdamW weight decay (default ${DEFAULT-VALUE}).")
    double weightDecay = DEFAULTS.weightDecay;
    @Option(names = "--clip", description = "Gradient clipping by global norm (default ${DEFAULT-VALUE}).")
    double clip = DEFAULTS.clip;
    @Option(names = "--patience", description = "Early stopping: epochs without validation improvement (default ${DEFAULT-VALUE}).")
    int patience = DEFAULTS.patience;
    @Option(names = "--validation",
            description = "Fraction of the training data's time range, at its end, held out for validation and early stopping (default ${DEFAULT-VALUE}).")
    double validationFraction = DEFAULTS.validationFraction;
    @Option(names = "--delta-time-scaling", description = "Scale the SSM step delta by the elapsed time between ticks (state decays in real time).")
    boolean deltaTimeScaling;
    @Option(names = "--vol-half-life", description = "Half-life of the running volatility (a feature, and the forecasts' "
            + "unit), in ticks (default: chosen from the data: " + (long) DataDefaults.TRADE_VOL_HALF_LIFE + " on trades, "
            + (long) DataDefaults.BAR_VOL_HALF_LIFE + " on bars).")
    Double volHalfLife;
    @Option(names = "--from-scratch", description = "Train the head from the reference initialisation instead of starting at the "
            + "EWMA-volatility baseline and learning a correction (for comparison; the guard then compares with the baseline all the same).")
    boolean fromScratch;
    @Option(names = "--fixed-scale", description = "Targets in the training window's fixed scale instead of the running "
            + "volatility's (for comparison: the band then does not widen when volatility rises).")
    boolean fixedScale;
    @Option(names = "--absolute-inputs", description = "The model reads the ticks' own returns, sizes, spreads and volatility "
            + "instead of each relative to its symbol's running statistics (the default; a comparison).")
    boolean absoluteInputs;
    @Option(names = "--calibration-rate", description = "Online calibration: how far a quantile's fast offset tracker moves per outcome, "
            + "in volatility units (the slow tracker moves a quarter of it); 0 turns the offsets off (default ${DEFAULT-VALUE}).")
    double calibrationRate = DEFAULTS.calibrationRate;
    @Option(names = "--volatility-mix-rate", description = "Online calibration: how far the blend of the model's volatility "
            + "scale with the slow volatility's moves per outcome; 0 keeps the model's own scale (default ${DEFAULT-VALUE}).")
    double volatilityMixRate = DEFAULTS.volatilityMixRate;
    @Option(names = "--grace-ms", description = "Out-of-order grace for late ticks, ms (default ${DEFAULT-VALUE}).")
    long graceMillis = DEFAULTS.graceMillis;
    @Option(names = "--seed", description = "Seed: the same data, options and seed give the same checkpoint (default ${DEFAULT-VALUE}).")
    long seed = DEFAULTS.seed;
    @Option(names = "--name", description = "Model name recorded with every forecast (default ${DEFAULT-VALUE}).")
    String name = DEFAULTS.name;
    @Option(names = "--threads", description = "Training threads (default: all cores; the result is the same for any number).")
    Integer threads;

    /** A new recipe with these options; a malformed horizon fails here, before any data is read. */
    public TrainingRecipe recipe() {
        TrainingRecipe r = new TrainingRecipe();
        if (horizons != null) {
            r.horizons = horizons;
        } else {
            r.fromData.add(TrainingRecipe.HORIZONS);
        }
        r.quantiles = quantiles.clone();
        r.dModel = dModel;
        r.layers = layers;
        r.dState = dState;
        r.expand = expand;
        r.dConv = dConv;
        r.tiedDecays = !untiedDecays;
        r.epochs = epochs;
        if (batch != null) {
            r.batch = batch;
        } else {
            r.fromData.add(TrainingRecipe.BATCH);
        }
        if (window != null) {
            r.window = window;
        } else {
            r.fromData.add(TrainingRecipe.WINDOW);
        }
        r.learningRate = learningRate;
        r.weightDecay = weightDecay;
        r.clip = clip;
        r.patience = patience;
        r.validationFraction = validationFraction;
        r.deltaTimeScaling = deltaTimeScaling;
        if (volHalfLife != null) {
            r.volHalfLife = volHalfLife;
        } else {
            r.fromData.add(TrainingRecipe.VOL_HALF_LIFE);
        }
        r.graceMillis = graceMillis;
        r.startFromBaseline = !fromScratch;
        r.volatilityScaling = !fixedScale;
        r.inputScale = absoluteInputs ? org.mambats.model.features.InputScale.ABSOLUTE : org.mambats.model.features.InputScale.SYMBOL;
        r.calibrationRate = calibrationRate;
        r.volatilityMixRate = volatilityMixRate;
        r.seed = seed;
        r.name = name;
        r.threads = threads;
        r.horizonList();
        return r;
    }
}
