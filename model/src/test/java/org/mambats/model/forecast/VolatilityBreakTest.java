package org.mambats.model.forecast;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.model.tick.RowCounts;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.tick.Tick;
import org.mambats.model.tick.TickCsv;
import org.mambats.model.tick.TickRow;
import org.mambats.model.train.SmallRecipes;
import org.mambats.model.train.TrainingRecipe;

/**
 * A model trained where volatility is calm, run on through a break that triples it: the known best 10-90 band
 * is the new volatility's, covering 80%. The volatility-scaled forecast widens on its own; the fixed scale does
 * not, and only the online calibration brings it back to 80%. All through {@link ForecastStepper}, as the stream runs.
 */
class VolatilityBreakTest {
    static final int TRAIN = 6_000, AFTER = 6_000;

    @TempDir
    Path tmp;

    @Test
    void theVolatilityScaledBandWidensAndTheCalibrationRescuesAFixedOne() throws Exception {
        Path csv = writeBreak(tmp.resolve("break.csv"));
        Coverage fixed = run(csv, false);
        Coverage scaled = run(csv, true);
        String report = String.format(Locale.ROOT, "10-90 coverage after the break: fixed scale %.3f, calibrated %.3f; "
                + "volatility-scaled %.3f, calibrated %.3f", fixed.model, fixed.calibrated, scaled.model, scaled.calibrated);
        System.out.println(report);
        assertTrue(fixed.model < 0.6, report);
        assertTrue(fixed.calibrated > 0.74 && fixed.calibrated < 0.86, report);
        assertTrue(scaled.model > 0.72 && scaled.model < 0.88, report);
        assertTrue(scaled.calibrated > 0.75 && scaled.calibrated < 0.85, report);
    }

    record Coverage(double model, double calibrated) {
    }

    /** Trains on the calm part only, then scores every 1tick forecast from 1,000 ticks after the break on. */
    private Coverage run(Path csv, boolean volatilityScaling) throws IOException {
        TrainingRecipe r = SmallRecipes.small("1tick", 16, 2, 128);
        r.volatilityScaling = volatilityScaling;
        r.volHalfLife = 20;
        Map<String, TickSeries> all = TickSeries.read(csv.toString(), null, r.volHalfLife, 0, new RowCounts());
        TickSeries calm = all.get("X").slice(0, TRAIN);
        Path dir = tmp.resolve("ckpt-" + volatilityScaling);
        r.fitAndSave(r.trainingSet(List.of(calm)), dir, null, JsonNodeFactory.instance.objectNode());
        ForecastModel model = ForecastModel.load(dir);
        ForecastStepper stepper = model.newStepper();
        SymbolState state = model.newState();
        List<TickRow> rows = TickCsv.readAll(csv.toString(), "X");
        double[] prices = rows.stream().mapToDouble(x -> x.tick().price()).toArray();
        long inModel = 0, inCalibrated = 0, n = 0;
        for (int i = 0; i + 1 < rows.size(); i++) {
            Tick t = rows.get(i).tick();
            stepper.process(t, state);
            if (i >= TRAIN + 1_000) {
                double y = Math.log(prices[i + 1] / prices[i]);
                float[] m = stepper.modelQuantiles(), c = stepper.quantiles();
                inModel += y > m[0] && y <= m[2] ? 1 : 0;
                inCalibrated += y > c[0] && y <= c[2] ? 1 : 0;
                n++;
            }
        }
        return new Coverage((double) inModel / n, (double) inCalibrated / n);
    }

    /** Gaussian log returns, 10 bps a tick, then 30 bps: one tick a second. */
    private static Path writeBreak(Path csv) throws IOException {
        SplittableRandom rnd = new SplittableRandom(21);
        StringBuilder b = new StringBuilder("symbol,ts,price,size\n");
        double price = 100;
        long t = 1_700_000_000_000L;
        for (int i = 0; i < TRAIN + AFTER; i++) {
            double vol = i < TRAIN ? 0.001 : 0.003;
            price *= Math.exp(vol * rnd.nextGaussian());
            b.append("X,").append(t + 1000L * i).append(',').append(price).append(",1\n");
        }
        Files.writeString(csv, b);
        return csv;
    }
}
