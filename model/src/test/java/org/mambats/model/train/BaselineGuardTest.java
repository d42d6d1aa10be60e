package org.mambats.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.model.tick.RowCounts;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.forecast.ForecastModel;

/** The network starts at the baseline, and only a validated improvement moves the checkpoint away from it. */
class BaselineGuardTest {
    @TempDir
    Path tmp;

    @Test
    void theBaselineIsTheClimatologyWithoutDrift() {
        float[] climatology = {-1.5f, 0.2f, 1.0f, -0.4f, -0.1f, 0.6f};
        float[] b = TrainingSet.symmetricAroundZero(climatology, new float[] {0.1f, 0.5f, 0.9f}, 2);
        assertArrayEquals(new float[] {-1.25f, 0, 1.25f, -0.5f, 0, 0.5f}, b, 1e-6f);
    }

    @Test
    void theGuardNeedsAConsistentGainOverEnoughIndependentBlocks() {
        SplittableRandom rnd = new SplittableRandom(3);
        int n = 2_000;
        float[] targets = new float[n];
        double[][] base = {new double[n]}, better = {new double[n]}, same = {new double[n]};
        for (int t = 0; t < n; t++) {
            base[0][t] = 1 + 0.5 * rnd.nextGaussian();
            better[0][t] = base[0][t] - 0.05 + 0.2 * rnd.nextGaussian();
            same[0][t] = base[0][t] + 0.2 * rnd.nextGaussian();
        }
        List<TrainingSequence> seqs = List.of(new TrainingSequence(n, new float[n * 6], targets, null));
        assertTrue(ValidationGuard.test(better, base, seqs, 20).supported());
        assertFalse(ValidationGuard.test(same, base, seqs, 20).supported());
        ValidationGuard.Result few = ValidationGuard.test(better, base, seqs, 400);
        assertEquals(5, few.blocks());
        assertFalse(few.supported(), "five blocks support nothing: " + few.words());
    }

    /**
     * The critical value is Student's t for the blocks' degrees of freedom: 14 blocks whose mean gain is 1.70 standard
     * errors pass the normal's -1.645 but not t(13)'s -1.771.
     */
    @Test
    void theCriticalValueIsStudentsTForTheBlocks() {
        assertEquals(-1.895, ValidationGuard.criticalT(8), 1e-3);
        assertEquals(-1.771, ValidationGuard.criticalT(14), 1e-3);
        assertEquals(-1.660, ValidationGuard.criticalT(100), 1e-3);
        int blocks = 14, len = 10, n = blocks * len;
        // Block means alternate +-1 around a gain of g: the standard error is sqrt(14/13)/sqrt(14), so t = -g * sqrt(13).
        double g = 1.70 / Math.sqrt(13);
        double[][] base = {new double[n]}, model = {new double[n]};
        for (int t = 0; t < n; t++) {
            int b = t / len;
            base[0][t] = 5;
            model[0][t] = 5 - g + (b % 2 == 0 ? 1 : -1);
        }
        List<TrainingSequence> seqs = List.of(new TrainingSequence(n, new float[n * 6], new float[n], null));
        ValidationGuard.Result r = ValidationGuard.test(model, base, seqs, len);
        assertEquals(-1.70, r.statistic(), 1e-9);
        assertFalse(r.supported(), r.words());
    }

    /** Returns with nothing to learn: the trained head gains nothing validation can show, so the checkpoint is the baseline. */
    @Test
    void aModelWithNothingToLearnIsShippedAsTheBaseline() throws Exception {
        SplittableRandom rnd = new SplittableRandom(8);
        Path csv = ticks("noise.csv", 3_000, i -> rnd.nextGaussian());
        TrainingRecipe r = SmallRecipes.small("1tick,10ticks", 16, 3, 64);
        Map<String, TickSeries> series = TickSeries.read(csv.toString(), null, r.volHalfLife, 0, new RowCounts());
        TrainingSet set = r.trainingSet(series.values());
        TrainingRecipe.Fitted f = r.fitAndSave(set, tmp.resolve("ckpt"), null, JsonNodeFactory.instance.objectNode());
        assertTrue(f.keptBaseline(), f.guard());
        ForecastModel m = ForecastModel.load(tmp.resolve("ckpt"));
        float[] head = m.weights().headWeight;
        assertTrue(allZero(head), "the head ignores the backbone: " + Arrays.toString(Arrays.copyOf(head, 4)));
        assertTrue(m.config().path("forecaster").path("provenance").path("verdict").asText().contains("does not beat"),
                m.config().path("forecaster").path("provenance").toString());
    }

    /**
     * Returns that alternate in sign (+a, -a, ... plus noise): the next tick's return is predictable from the last,
     * the return over two ticks is noise alone. The pooled test admits the trained model on the strength of 1tick;
     * tested alone, 2ticks has nothing, so that horizon keeps the baseline's head rows (zero weights: the baseline
     * exactly, whatever the backbone says) while 1tick keeps what it learned.
     */
    @Test
    void aHorizonWithNothingToLearnKeepsTheBaselineWhereAnotherLearns() throws Exception {
        SplittableRandom rnd = new SplittableRandom(12);
        Path csv = ticks("alternating.csv", 4_000, i -> (i % 2 == 0 ? 1 : -1) + 0.7 * rnd.nextGaussian());
        TrainingRecipe r = SmallRecipes.small("1tick,2ticks", 16, 4, 64);
        r.learningRate = 1e-2;
        Map<String, TickSeries> series = TickSeries.read(csv.toString(), null, r.volHalfLife, 0, new RowCounts());
        TrainingRecipe.Fitted f = r.fitAndSave(r.trainingSet(series.values()), tmp.resolve("ckpt"), null,
                JsonNodeFactory.instance.objectNode());
        assertFalse(f.keptBaseline(), f.guard());
        assertTrue(f.guard().contains("baseline kept at 2ticks"), f.guard());
        ForecastModel m = ForecastModel.load(tmp.resolve("ckpt"));
        float[] head = m.weights().headWeight;
        int rows = head.length / 2; // horizon-major: 1tick's rows, then 2ticks'
        assertFalse(allZero(Arrays.copyOfRange(head, 0, rows)), "1tick keeps what it learned");
        assertTrue(allZero(Arrays.copyOfRange(head, rows, head.length)), "2ticks forecasts the baseline");
        assertEquals("2ticks", m.config().path("forecaster").path("provenance").path("baseline_horizons").path(0).asText(),
                m.config().path("forecaster").path("provenance").toString());
        assertTrue(f.verdict().endsWith("; at 2ticks it forecasts that baseline"), f.verdict());
        assertEquals(f.verdict(), m.config().path("forecaster").path("provenance").path("verdict").asText());
    }

    /** A file of {@code n} ticks of symbol X one second apart, tick i's log return 0.001 * {@code returnOf(i)}. */
    private Path ticks(String name, int n, java.util.function.IntToDoubleFunction returnOf) throws java.io.IOException {
        StringBuilder b = new StringBuilder("symbol,ts,price,size\n");
        double price = 100;
        for (int i = 0; i < n; i++) {
            price *= Math.exp(0.001 * returnOf.applyAsDouble(i));
            b.append("X,").append(1_700_000_000_000L + 1000L * i).append(',').append(price).append(",1\n");
        }
        Path csv = tmp.resolve(name);
        Files.writeString(csv, b);
        return csv;
    }

    private static boolean allZero(float[] a) {
        for (float v : a) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }
}
