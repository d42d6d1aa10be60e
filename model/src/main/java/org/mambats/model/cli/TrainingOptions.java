package org.mambats.model.cli;

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

    @Option(names = "--horizons", description = "Forecast horizons (default ${DEFAULT-VALUE}).")
    String horizons = DEFAULTS.horizons;
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
    @Option(names = "--epochs", description = "Maximum epochs (default ${DEFAULT-VALUE}).")
    int epochs = DEFAULTS.epochs;
    @Option(names = "--batch", description = "Windows per batch (default ${DEFAULT-VALUE}).")
    int batch = DEFAULTS.batch;
    @Option(names = "--window", description = "Ticks per TBPTT window (default ${DEFAULT-VALUE}).")
    int window = DEFAULTS.window;
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
    @Option(names = "--vol-half-life", description = "Half-life of the volatility feature, in ticks (default ${DEFAULT-VALUE}).")
    double volHalfLife = DEFAULTS.volHalfLife;
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
        r.horizons = horizons;
        r.quantiles = quantiles.clone();
        r.dModel = dModel;
        r.layers = layers;
        r.dState = dState;
        r.expand = expand;
        r.dConv = dConv;
        r.epochs = epochs;
        r.batch = batch;
        r.window = window;
        r.learningRate = learningRate;
        r.weightDecay = weightDecay;
        r.clip = clip;
        r.patience = patience;
        r.validationFraction = validationFraction;
        r.deltaTimeScaling = deltaTimeScaling;
        r.volHalfLife = volHalfLife;
        r.graceMillis = graceMillis;
        r.seed = seed;
        r.name = name;
        r.threads = threads;
        r.horizonList();
        return r;
    }
}
