package org.mambats.backtest.baseline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mambats.model.dataset.TickSeries;

/**
 * A reference forecaster scored next to the Mamba model on the same ticks and horizons. It is fitted on a fold's
 * training window only, then streams through the ticks from the start of that window (the warm-up) into the test
 * window, and each forecast may use the ticks up to and including its own, never a later one. It produces the same
 * quantile levels as the model, as predicted log returns.
 */
public interface Baseline {
    String name();

    /** Fits on the training window. */
    Fitted fit(FitWindow window);

    /** A baseline fitted on one window. */
    interface Fitted {
        /** The fitted parameters, for metrics.json. */
        ObjectNode describe();

        /**
         * Streams through {@code ticks} (the training window's ticks first, then the ticks to forecast) and writes the
         * forecasts made at ticks {@code [from, ticks.length)}: for tick i, horizon h and quantile j at
         * {@code out[(i - from) * H * Q + h * Q + j]}. The forecast at tick i uses ticks {@code 0..i} only.
         */
        void forecast(TickSeries ticks, int from, float[] out);
    }
}
