package org.mambats.ingest.stream;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mambats.model.tick.RowCounts;
import org.mambats.model.dataset.SyntheticTicks;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.train.TrainingSet;
import org.mambats.model.features.Horizon;
import org.mambats.model.features.TickFeatures;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.forecast.ForecasterWeights;
import org.mambats.model.cli.PredictCommand;
import org.mambats.model.mamba.MambaConfig;

/** Small forecaster checkpoints for stream tests: untrained weights, real normalisation from synthetic ticks. */
public final class TestModels {
    private TestModels() {
    }

    /** Writes a CSV of {@code n} synthetic ticks for each symbol ({@code symbol,ts,price,size}). */
    public static Path syntheticCsv(Path dir, int n, String... symbols) throws IOException {
        Path csv = dir.resolve("ticks.csv");
        StringBuilder sb = new StringBuilder("symbol,ts,price,size\n");
        for (int k = 0; k < symbols.length; k++) {
            SyntheticTicks s = new SyntheticTicks(n, 0.3, 1e-4, 3e-4, 0.99, 800 + 50L * k, 100 + k);
            for (int i = 0; i < n; i++) {
                sb.append(symbols[k]).append(',').append(s.times[i] + 7 * k).append(',').append(s.prices[i] * (1 + k))
                        .append(',').append(0.5 + (i % 7) * 0.25).append('\n');
            }
        }
        java.nio.file.Files.writeString(csv, sb);
        return csv;
    }

    /**
     * A forecaster checkpoint fitted (normalisation and volatility unit only) on {@code csv}, with horizons 1tick
     * and 5s and the default online calibration.
     */
    public static ForecastModel checkpoint(Path dir, Path csv) throws IOException {
        return checkpoint(dir, csv, 5);
    }

    /** The same, with weights drawn from {@code seed}: another seed is another model of the same shape. */
    public static ForecastModel checkpoint(Path dir, Path csv, long seed) throws IOException {
        List<Horizon> horizons = Horizon.parseList("1tick,5s");
        float[] quantiles = {0.1f, 0.5f, 0.9f};
        Map<String, TickSeries> series = TickSeries.read(csv.toString(), null, 50, 2000, new RowCounts());
        TrainingSet set = new TrainingSet(series.values(), horizons, quantiles, 0.0, true);
        MambaConfig c = new MambaConfig(32, 2, 8, 2, 64, 4, 2, 1e-5f, true, false);
        ForecasterWeights w = ForecasterWeights.initialize(c, TickFeatures.COUNT, horizons.size(), quantiles.length, seed);
        // Forecasts in volatility units, calibrated online (the defaults of a trained checkpoint), so every stream
        // test that compares forecasts bit for bit with predict covers the calibration's state too.
        ForecastModel.Settings s = set.checkpointSettings();
        s.name = "test-model";
        Path ckpt = dir.resolve(seed == 5 ? "ckpt" : "ckpt-" + seed);
        ForecastModel.save(ckpt, w, s);
        return ForecastModel.load(ckpt);
    }

    /** predict's forecasts of {@code model} over {@code csv}, by "symbol,seq,horizon": the reference the stream must match. */
    public static Map<String, float[]> predicted(ForecastModel model, Path csv) throws IOException {
        StringWriter w = new StringWriter();
        PredictCommand.predict(model, csv.toString(), null, w, new RowCounts());
        Map<String, float[]> out = new HashMap<>();
        for (String line : w.toString().split("\n")) {
            String[] f = line.split(",");
            float[] q = new float[f.length - 5];
            for (int j = 0; j < q.length; j++) {
                q[j] = Float.parseFloat(f[5 + j]);
            }
            out.put(f[1] + "," + f[0] + "," + f[4], q);
        }
        return out;
    }
}
