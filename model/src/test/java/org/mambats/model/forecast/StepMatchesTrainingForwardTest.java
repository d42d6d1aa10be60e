package org.mambats.model.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.mambats.model.tick.RowCounts;
import org.mambats.model.cli.PredictCommand;
import org.mambats.model.dataset.SyntheticTicks;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.train.TrainingSet;
import org.mambats.model.features.Horizon;
import org.mambats.model.features.TickFeatures;
import org.mambats.model.mamba.MambaConfig;
import org.mambats.model.train.ForecasterEngine;
import org.mambats.model.train.SequenceBatch;
import org.mambats.model.train.TrainingSequence;

/**
 * A checkpoint written the way training writes it gives, in the plain-Java streaming step (through the same
 * code path as {@code ./mamba-ts predict}), the numbers of the training forward on the same ticks.
 */
class StepMatchesTrainingForwardTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "delta time scaling {0}, tied decays {1}")
    @org.junit.jupiter.params.provider.CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void streamingStepReproducesTheTrainingForward(boolean deltaTimeScaling, boolean tiedDecays) throws Exception {
        // Irregular times so that elapsed-time scaling matters: every third tick comes late.
        SyntheticTicks data = new SyntheticTicks(1500, 0.3, 1e-4, 4e-4, 0.99, 700, 5);
        for (int i = 0; i < data.times.length; i++) {
            data.times[i] += (i % 3 == 0 ? 2500L : 0) + 4000L * (i / 3);
        }
        Path csv = tmp.resolve("ticks.csv");
        data.writeCsv(csv, "SYN");
        List<Horizon> horizons = Horizon.parseList("1tick,5s");
        float[] quantiles = {0.1f, 0.5f, 0.9f};
        Map<String, TickSeries> series = TickSeries.read(csv.toString(), null, 50, 2000, new RowCounts());
        TrainingSet set = new TrainingSet(series.values(), horizons, quantiles, 0.0, deltaTimeScaling);
        TrainingSequence seq = set.train.get(0);

        MambaConfig c = new MambaConfig(32, 2, 8, 2, 64, 4, 2, 1e-5f, true, false).withTiedDecays(tiedDecays);
        ForecasterWeights w = ForecasterWeights.initialize(c, TickFeatures.COUNT, horizons.size(), quantiles.length, 17);
        if (tiedDecays) {
            for (int l = 0; l < c.nLayers(); l++) { // rates of their own, not the initial 1
                float[] aLog = w.backbone().layer(l).aLog;
                for (int ch = 0; ch < c.dInner(); ch++) {
                    aLog[ch * c.dState()] = (float) Math.sin(ch);
                }
                org.mambats.model.mamba.MambaWeights.tie(aLog, c.dInner(), c.dState());
            }
        }
        ForecastModel.Settings s = set.checkpointSettings();
        assertTrue(s.volatilityReferenceBps > 0, "the quantiles scale with the running volatility");
        s.calibrationRate = 0; // the model's own quantiles: the calibration is tested on its own
        s.volatilityMixRate = 0;
        Path ckpt = tmp.resolve("ckpt");
        ForecastModel.save(ckpt, w, s);
        ForecastModel model = ForecastModel.load(ckpt);

        // The streaming side, exactly as predict runs it.
        StringWriter out = new StringWriter();
        RowCounts stats = new RowCounts();
        PredictCommand.predict(model, csv.toString(), null, out, stats);
        assertEquals(seq.length(), stats.accepted);
        String[] lines = out.toString().split("\n");
        assertEquals(seq.length() * horizons.size(), lines.length, "one row per tick and horizon");

        // The training side.
        ForecasterEngine.Pass pass;
        try (ForecasterEngine engine = new ForecasterEngine(1)) {
            pass = engine.forward(model.weights(), new SequenceBatch(1, seq.length(), seq.features(), seq.deltaScale(), null), null);
        }
        float[] q = pass.quantiles();
        int hq = horizons.size() * quantiles.length;
        double maxDiff = 0, maxRef = 0;
        for (int t = 0; t < seq.length(); t++) {
            for (int h = 0; h < horizons.size(); h++) {
                String[] f = lines[t * horizons.size() + h].split(",");
                for (int j = 0; j < quantiles.length; j++) {
                    double streamed = Double.parseDouble(f[5 + j]);
                    double trained = q[t * hq + h * quantiles.length + j] * set.targetScale[h]
                            * set.volatilityRatio(series.get("SYN"), t);
                    maxDiff = Math.max(maxDiff, Math.abs(streamed - trained));
                    maxRef = Math.max(maxRef, Math.abs(trained));
                }
            }
        }
        assertTrue(maxRef > 0);
        assertTrue(maxDiff / maxRef < 1e-4, "step vs training forward: relative error " + maxDiff / maxRef);
    }
}
