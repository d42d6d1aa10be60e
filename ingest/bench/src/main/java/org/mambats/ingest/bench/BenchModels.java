package org.mambats.ingest.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.mambats.model.features.Horizon;
import org.mambats.model.features.TickFeatures;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.forecast.ForecasterWeights;

/** An untrained forecaster of the shape train makes (2 layers, D=64, tied decays), saved as a real checkpoint. */
public final class BenchModels {
    private BenchModels() {
    }

    public static ForecastModel untrained(Path dir) throws IOException {
        List<Horizon> horizons = Horizon.parseList("1tick,10s,60s");
        float[] quantiles = org.mambats.model.forecast.Forecast.standardLevels();
        ForecasterWeights w = ForecasterWeights.initialize(org.mambats.model.train.TrainingRecipe.defaultBackbone(), TickFeatures.COUNT, horizons.size(),
                quantiles.length, 1);
        ForecastModel.Settings s = new ForecastModel.Settings();
        s.name = "bench-untrained";
        s.horizons = horizons;
        s.quantiles = quantiles;
        s.targetScale = new float[] {1e-4f, 3e-4f, 1e-3f};
        s.featureMean = new float[TickFeatures.COUNT];
        s.featureStd = new float[] {1e-4f, 1f, 1f, 1f, 1f, 1f};
        ForecastModel.save(dir, w, s);
        return ForecastModel.load(dir);
    }
}
