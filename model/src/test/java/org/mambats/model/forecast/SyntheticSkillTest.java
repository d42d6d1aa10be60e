package org.mambats.model.forecast;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.model.tick.RowCounts;
import org.mambats.model.dataset.SyntheticTicks;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.train.TrainingSet;
import org.mambats.model.features.Horizon;
import org.mambats.model.features.TickFeatures;
import org.mambats.model.mamba.MambaConfig;
import org.mambats.model.train.PinballLoss;
import org.mambats.model.train.Trainer;
import org.mambats.model.train.TrainerConfig;
import org.mambats.model.train.TrainingSequence;

/**
 * Training learns what can be learned: on ticks whose next return is an AR(1) with volatility regimes, the trained
 * model's validation pinball loss comes close to the best possible forecaster's (which knows the process) and
 * clearly below the no-skill forecast (the training targets' own quantiles).
 */
class SyntheticSkillTest {
    @TempDir
    Path tmp;

    @Test
    void trainedModelApproachesTheOracleAndBeatsNoSkill() throws Exception {
        SyntheticTicks data = new SyntheticTicks(24_000, 0.5, 1e-4, 4e-4, 0.995, 1000, 3);
        Path csv = tmp.resolve("ar.csv");
        data.writeCsv(csv, "AR");
        List<Horizon> horizons = Horizon.parseList("1tick");
        float[] quantiles = {0.1f, 0.5f, 0.9f};
        Map<String, TickSeries> series = TickSeries.read(csv.toString(), null, 20, 0, new RowCounts());
        TrainingSet set = new TrainingSet(series.values(), horizons, quantiles, 0.25, false);

        MambaConfig c = new MambaConfig(32, 2, 8, 2, 64, 4, 2, 1e-5f, true, false);
        TrainerConfig cfg = TrainerConfig.defaults().with(b -> {
            b.epochs = 6;
            b.batchSize = 16;
            b.windowLength = 128;
            b.learningRate = 3e-3;
            b.warmupSteps = 20;
            b.patience = 3;
            b.seed = 11;
            b.quantileLevels = quantiles;
        });
        double model;
        try (Trainer trainer = Trainer.create(c, TickFeatures.COUNT, 1, cfg)) {
            trainer.fit(set.train, set.validation, null);
            model = trainer.evaluate(set.validation).mean();
        }
        double noSkill = set.climatologyLoss(set.validation, quantiles);
        double oracle = oracleLoss(data, series.get("AR"), set, quantiles);
        System.out.printf("synthetic AR(1): validation pinball model %.4f, oracle %.4f, no-skill %.4f%n", model, oracle, noSkill);
        assertTrue(oracle < noSkill * 0.85, "the data must be predictable for this test to mean anything");
        assertTrue(model < noSkill * 0.9, "model " + model + " must clearly beat no-skill " + noSkill);
        assertTrue(model < oracle * 1.08, "model " + model + " must come within 8% of the oracle " + oracle);
    }

    /** The oracle's loss on exactly the ticks (and normalisation) the validation sequence scores. */
    private static double oracleLoss(SyntheticTicks data, TickSeries s, TrainingSet set, float[] quantiles) {
        TrainingSequence val = set.validation.get(0);
        int cut = s.indexAtOrAfter(set.splitTimeMillis);
        int start = Math.max(0, cut - TrainingSet.VALIDATION_CONTEXT);
        float[] q = new float[val.length() * quantiles.length];
        for (int k = 0; k < val.length(); k++) {
            int i = (int) s.rows[start + k];
            for (int j = 0; j < quantiles.length; j++) {
                q[k * quantiles.length + j] = (float) (data.oracleQuantile(i, quantiles[j])
                        / (set.targetScale[0] * set.volatilityRatio(s, start + k)));
            }
        }
        return new PinballLoss(quantiles).evaluate(q, val.targets(), 1, null).mean();
    }
}
