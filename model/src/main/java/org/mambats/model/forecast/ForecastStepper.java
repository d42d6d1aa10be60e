package org.mambats.model.forecast;

import org.mambats.model.mamba.MambaStepper;
import org.mambats.model.math.FastMath;
import org.mambats.model.math.VectorKernels;
import org.mambats.model.tick.Tick;
import org.mambats.model.tick.TickValidator;

/**
 * Runs a {@link ForecastModel} one tick at a time: validate, compute features, normalise, project, step the
 * backbone, apply the head. The live Kafka Streams operator, {@code ./mamba-ts predict} and the backtest all go
 * through {@link #process(Tick, SymbolState)}, so their forecasts are the same numbers.
 *
 * <p>Not thread-safe (scratch buffers); one per thread. Allocates nothing per accepted tick.
 */
public final class ForecastStepper {
    private final ForecastModel model;
    private final TickValidator validator;
    private final MambaStepper backbone;
    private final float[] features;
    private final float[] embedding;
    private final float[] hidden;
    private final float[] raw;
    private final float[] quantiles;
    private final int nQ;

    ForecastStepper(ForecastModel model) {
        this.model = model;
        this.validator = new TickValidator(model.outOfOrderGraceMillis());
        this.backbone = model.kernel.newStepper();
        int d = model.weights().config().dModel();
        this.features = new float[model.weights().nFeatures()];
        this.embedding = new float[d];
        this.hidden = new float[d];
        this.raw = new float[model.nOutputs()];
        this.quantiles = new float[model.nOutputs()];
        this.nQ = model.weights().nQuantiles();
    }

    public ForecastModel model() {
        return model;
    }

    public TickValidator validator() {
        return validator;
    }

    /**
     * Validates {@code tick} against the symbol's state and, if accepted, advances the state and computes the
     * forecast, readable through {@link #quantiles()} until the next call. A duplicate or rejected tick leaves the
     * state untouched.
     */
    public TickValidator.Verdict process(Tick tick, SymbolState state) {
        TickValidator.Verdict v = validator.check(tick, state.position);
        if (v.accepted()) {
            validator.accept(tick, state.position);
            forecast(tick, state);
        }
        return v;
    }

    /** Advances the state by an already validated tick and computes its forecast. */
    void forecast(Tick tick, SymbolState state) {
        double elapsed = model.features().next(tick, state.features, features, 0);
        model.normalizer().apply(features, 0);
        var w = model.weights();
        int d = embedding.length;
        VectorKernels.matVecColumns(model.inputWeightT, d, features.length, w.inputBias, features, 0, embedding, 0);
        backbone.step(state.mamba, embedding, 0, model.deltaScale(elapsed), hidden, 0);
        VectorKernels.matVec(w.headWeight, raw.length, d, hidden, 0, raw, 0);
        VectorKernels.axpy(1f, w.headBias, 0, raw, 0, raw.length);
        float[] scale = model.targetScale();
        for (int h = 0; h < scale.length; h++) {
            int base = h * nQ;
            float q = raw[base];
            quantiles[base] = q * scale[h];
            for (int j = 1; j < nQ; j++) {
                q += FastMath.softplus(raw[base + j]);
                quantiles[base + j] = q * scale[h];
            }
        }
    }

    /**
     * The last forecast: for horizon h and quantile j, the predicted log return at {@code h * Q + j}. A live view
     * into this stepper's buffer; copy what must outlive the next call.
     */
    public float[] quantiles() {
        return quantiles;
    }
}
