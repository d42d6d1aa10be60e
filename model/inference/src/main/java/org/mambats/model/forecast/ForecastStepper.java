package org.mambats.model.forecast;

import org.mambats.model.calibration.QuantileCalibrator;
import org.mambats.model.features.TickFeatures;
import org.mambats.model.features.VolatilityScale;
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
    /** The same features in the symbol's scale, and whether the model reads those. */
    private final float[] relativeFeatures;
    private final boolean symbolScale;
    private final float[] embedding;
    private final float[] hidden;
    private final float[] raw;
    /** The model's own quantiles, before calibration; and the calibrated ones, which are sent. */
    private final float[] modelQuantiles;
    private final float[] quantiles;
    /** Per horizon, this tick's volatility scale (a log return): targetScale[h] times the volatility ratio. */
    private final float[] scale;
    /** The same from the symbol's slow volatility, which the calibration blends in (see QuantileCalibrator). */
    private final float[] slowScale;
    private final int nQ;

    ForecastStepper(ForecastModel model) {
        this.model = model;
        this.validator = new TickValidator(model.outOfOrderGraceMillis());
        this.backbone = model.kernel.newStepper();
        int d = model.weights().config().dModel();
        this.features = new float[model.weights().nFeatures()];
        this.relativeFeatures = new float[features.length];
        this.symbolScale = model.inputScale() == org.mambats.model.features.InputScale.SYMBOL;
        this.embedding = new float[d];
        this.hidden = new float[d];
        this.raw = new float[model.nOutputs()];
        this.modelQuantiles = new float[model.nOutputs()];
        this.quantiles = new float[model.nOutputs()];
        this.scale = new float[model.horizons().size()];
        this.slowScale = new float[scale.length];
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
     * model's state untouched (an out-of-band price is remembered by the validator, as a candidate new level).
     */
    public TickValidator.Verdict process(Tick tick, SymbolState state) {
        TickValidator.Verdict v = validator.apply(tick, state.position);
        if (v.accepted()) {
            forecast(tick, state);
        }
        return v;
    }

    /**
     * Advances the state by an already validated tick and computes its forecast: first the outcomes this tick
     * reveals move the calibration, then the model forecasts, then the calibration's offsets apply.
     */
    void forecast(Tick tick, SymbolState state) {
        TickFeatures.State fs = state.features;
        long index = fs.count();
        // The symbol's clock after this tick, as the validator keeps it (and as training's targets are timed).
        long clock = state.position.lastTimeMillis();
        QuantileCalibrator calibrator = model.calibrator();
        calibrator.resolve(state.calibration, index, clock, fs.lastPrice(), tick.price());
        double elapsed = model.features().next(tick, fs, features, 0, relativeFeatures, 0);
        float ratio = VolatilityScale.ratio(features[VolatilityScale.FEATURE], model.volatilityReferenceBps());
        float slowRatio = VolatilityScale.slowRatio(features[VolatilityScale.FEATURE], relativeFeatures[VolatilityScale.LOG_FAST_OVER_SLOW],
                model.volatilityReferenceBps());
        float[] inputs = symbolScale ? relativeFeatures : features;
        model.normalizer().apply(inputs, 0);
        var w = model.weights();
        int d = embedding.length;
        VectorKernels.matVecColumns(model.inputWeightT, d, inputs.length, w.inputBias, inputs, 0, embedding, 0);
        backbone.step(state.mamba, embedding, 0, model.deltaScale(elapsed), hidden, 0);
        VectorKernels.matVec(w.headWeight, raw.length, d, hidden, 0, raw, 0);
        VectorKernels.axpy(1f, w.headBias, 0, raw, 0, raw.length);
        float[] targetScale = model.targetScale();
        for (int h = 0; h < scale.length; h++) {
            scale[h] = targetScale[h] * ratio;
            slowScale[h] = targetScale[h] * slowRatio;
            int base = h * nQ;
            float q = raw[base];
            modelQuantiles[base] = q * scale[h];
            for (int j = 1; j < nQ; j++) {
                q += FastMath.softplus(raw[base + j]);
                modelQuantiles[base + j] = q * scale[h];
            }
        }
        calibrator.calibrate(state.calibration, modelQuantiles, scale, slowScale, index, clock, tick.price(), quantiles);
    }

    /**
     * The last forecast, calibrated (what the stream sends): for horizon h and quantile j, the predicted log return
     * at {@code h * Q + j}. A live view into this stepper's buffer; copy what must outlive the next call.
     */
    public float[] quantiles() {
        return quantiles;
    }

    /** The last forecast as the model made it, before the calibration's offsets; laid out as {@link #quantiles()}. */
    public float[] modelQuantiles() {
        return modelQuantiles;
    }
}
