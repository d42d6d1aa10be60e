package org.mambats.backtest.run;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Arrays;

/** One model's forecasts at every evaluated tick, {@code [tick, horizon, quantile]}; NaN where it made none. */
public final class ModelForecasts {
    public final String name;
    public final float[] values;
    /** Per fold, what was fitted (checkpoint and training figures for the model, parameters for the baselines). */
    public final ArrayNode folds = JsonNodeFactory.instance.arrayNode();
    public double fitSeconds;
    public double forecastSeconds;

    public ModelForecasts(String name, int ticks, int perTick) {
        this.name = name;
        this.values = new float[ticks * perTick];
        Arrays.fill(values, Float.NaN);
    }
}
