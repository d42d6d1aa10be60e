package org.mambats.backtest.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.model.tick.RowCounts;
import org.mambats.backtest.report.Charts;
import org.mambats.backtest.report.ReportWriter;
import org.mambats.model.cli.PredictCommand;
import org.mambats.model.dataset.SyntheticTicks;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.mamba.MambaConfig;
import org.mambats.model.train.SmallRecipes;

/**
 * A small walk-forward backtest end to end on synthetic ticks (an AR(1) with volatility regimes, one tick a second):
 * tiny models, every baseline, every report file. And the no-look-ahead property: perturbing the price and size of
 * every tick after a time t inside a test window changes no forecast, of any model, made at or before t.
 */
class WalkForwardTest {
    @TempDir
    static Path tmp;
    static Path csv;
    static BacktestResult result;

    static BacktestConfig config(String data, Path report) {
        BacktestConfig c = new BacktestConfig();
        c.data = data;
        c.reportDir = report;
        c.trainWindow = Duration.ofMinutes(30);
        c.testWindow = Duration.ofMinutes(10);
        c.retrainEvery = Duration.ofMinutes(10);
        c.training = SmallRecipes.small("1tick,5s,30s", 8, 2, 64);
        c.training.patience = 2;
        c.training.learningRate = 3e-3;
        // Not train's defaults, so the folds' checkpoints show whether the whole recipe reached them.
        c.training.expand = 1;
        c.training.dConv = 3;
        c.training.weightDecay = 0.05;
        c.training.name = "walk-forward-test";
        c.lstmHidden = 4;
        c.lstmEpochs = 2;
        c.lstmWindow = 50;
        c.lstmBlock = 256;
        c.costsBps = 0.5;
        c.bar = Duration.ofMinutes(1);
        return c;
    }

    @BeforeAll
    static void runOnce() throws IOException {
        SyntheticTicks ticks = new SyntheticTicks(4000, 0.5, 1e-4, 3e-4, 0.995, 1000, 11);
        csv = tmp.resolve("ar.csv");
        ticks.writeCsv(csv, "AR");
        BacktestConfig c = config(csv.toString(), tmp.resolve("report"));
        c.baselineForecasts = true;
        result = Backtest.run(c, System.err::println);
        ReportWriter.write(result, c.reportDir);
    }

    @Test
    void producesEveryReportFile() throws IOException {
        Path dir = tmp.resolve("report");
        for (String f : List.of(ReportWriter.FORECASTS, ReportWriter.METRICS, ReportWriter.HTML, Charts.PRICE, Charts.EQUITY,
                Charts.CALIBRATION, Charts.ERRORS, "forecasts-lstm.csv")) {
            assertTrue(Files.size(dir.resolve(f)) > 100, f + " is missing or empty");
        }
        for (String png : List.of(Charts.PRICE, Charts.EQUITY, Charts.CALIBRATION, Charts.ERRORS)) {
            assertTrue(javax.imageio.ImageIO.read(dir.resolve(png).toFile()).getWidth() >= 1000, png);
        }
        assertEquals(4, result.folds.size(), "30m train, 10m test, 10m step over 66 minutes: 4 folds");
        assertEquals(0, result.replayMismatches);

        // forecasts.csv: one row per test tick and horizon, in the predict format.
        List<String> lines = Files.readAllLines(dir.resolve(ReportWriter.FORECASTS), StandardCharsets.UTF_8);
        assertEquals("seq,symbol,ts,price,horizon,q0.1,q0.5,q0.9", lines.get(0));
        assertEquals(result.nEval() * 3L + 1, lines.size());
        assertEquals(result.nEval() * 3L, result.mambaForecastRows);

        JsonNode m = new ObjectMapper().readTree(dir.resolve(ReportWriter.METRICS).toFile());
        assertEquals("walk-forward", m.path("run").path("config").path("mode").asText());
        assertEquals(1, m.path("run").path("config").path("training").path("expand").asInt(), "the recipe in the report");
        assertEquals(42, m.path("run").path("config").path("baseline_fit").path("seed").asLong());
        assertEquals(4, m.path("folds").size());
        for (String model : List.of("mamba", "no-change", "ewma", "ar", "lstm")) {
            JsonNode mo = m.path("models").path(model);
            for (String h : List.of("1tick", "5s", "30s")) {
                JsonNode e = mo.path("horizons").path(h);
                assertTrue(e.path("n").asLong() > 1000, model + " " + h);
                for (String k : List.of("mae", "rmse", "pinball_mean")) {
                    assertTrue(e.path(k).asDouble() > 0, model + " " + h + " " + k);
                }
                assertEquals(3, e.path("pinball").size());
                assertEquals(3, e.path("calibration").size());
                assertTrue(e.path("coverage").path("observed").isNumber());
                // A horizon whose every fold forecasts the baseline (centred on no change) has no direction to score.
                boolean baselineEverywhere = model.startsWith("mamba") && java.util.stream.StreamSupport.stream(m.path("folds").spliterator(), false)
                        .allMatch(f -> f.path("kept_baseline").asBoolean() || f.path("guard").asText().matches(".*baseline kept at [^(]*\\b" + h + "\\b.*"));
                if (!model.equals("no-change")) {
                    assertTrue(e.path("directional_accuracy").isNumber() || baselineEverywhere, model + " " + h);
                    assertTrue(e.path("dm_vs_no_change").path("pinball").path("p_value").isNumber(), model + " " + h);
                }
            }
            JsonNode t = mo.path("trading");
            for (String k : List.of("cumulative_return", "max_drawdown", "turnover", "exposure")) {
                assertTrue(t.path(k).isNumber(), model + " trading " + k);
            }
            // The rule's own latency (1 s by default) is one of the sensitivity table's columns: the same figure.
            assertEquals(t.path("cumulative_return").asDouble(), t.path("cumulative_return_by_latency_ms").path("1000").asDouble(), 1e-12, model);
            assertEquals(4, t.path("cumulative_return_by_latency_ms").size(), model);
        }
        assertEquals(1000, m.path("trading_rule").path("latency_ms").asLong());
        assertTrue(m.path("models").path("no-change").path("horizons").path("1tick").path("directional_accuracy").isNull());
        assertTrue(m.path("trading_rule").path("description").asText().contains("30s"));
        String html = Files.readString(dir.resolve(ReportWriter.HTML));
        for (String png : List.of(Charts.PRICE, Charts.EQUITY, Charts.CALIBRATION, Charts.ERRORS)) {
            assertTrue(html.contains("src=\"" + png + "\""), png);
        }
        assertFalse(html.contains("http://") || html.contains("https://"), "the report fetches nothing");
    }

    @Test
    void badTradingOptionsAreRefusedBeforeAnyTraining() {
        for (String[] bad : new String[][] {{"7m", "2"}, {null, "-1"}}) {
            BacktestConfig c = config(csv.toString(), tmp.resolve("report-bad"));
            c.tradeHorizon = bad[0];
            c.costsBps = Double.parseDouble(bad[1]);
            List<String> progress = new ArrayList<>();
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Backtest.run(c, progress::add));
            assertTrue(e.getMessage().contains(bad[0] == null ? "trading costs" : "trade horizon 7m"), e.getMessage());
            assertTrue(progress.stream().noneMatch(l -> l.contains("fold")), "trained before refusing: " + progress);
        }
    }

    @Test
    void everyFoldTrainsTheWholeRecipe() throws IOException {
        for (JsonNode fold : result.folds) {
            ForecastModel m = ForecastModel.load(Path.of(fold.path("checkpoint").asText()));
            MambaConfig backbone = m.weights().config();
            assertEquals(1, backbone.expand(), "expand");
            assertEquals(8, backbone.dInner(), "inner width = expand * D");
            assertEquals(3, backbone.dConv(), "conv width");
            assertEquals("walk-forward-test", m.name());
            JsonNode p = m.config().path(ForecastModel.CONFIG_KEY).path("provenance");
            assertEquals(0.05, p.path("weight_decay").asDouble(), "weight decay in the provenance");
            assertTrue(p.path("created_by").asText().startsWith("backtest walk-forward"), p.toString());
            assertEquals(fold.path("validation_from").asText(), p.path("validation_from").asText());
        }
    }

    @Test
    void eachFoldsForecastsArePredictsWithThatFoldsCheckpoint() throws IOException {
        // Fold 2, replayed by predict from its checkpoint over the rows from the start of its training window: the
        // test-window rows must be the backtest's, character for character (seq aside: the sub-file numbers rows anew).
        JsonNode fold = result.folds.get(1);
        int a = result.data.series.indexAtOrAfter(Instant.parse(fold.path("train_from").asText()).toEpochMilli());
        int b = result.evalIndex[0] + 600; // fold 1 forecast 600 ticks
        int c = b + fold.path("test_ticks").asInt();
        List<String> in = Files.readAllLines(csv, StandardCharsets.UTF_8);
        List<String> sub = new ArrayList<>();
        sub.add(in.get(0));
        sub.addAll(in.subList(1 + a, 1 + c));
        Path part = tmp.resolve("fold2.csv");
        Files.write(part, sub, StandardCharsets.UTF_8);
        ForecastModel model = ForecastModel.load(Path.of(fold.path("checkpoint").asText()));
        StringWriter out = new StringWriter();
        PredictCommand.predict(model, part.toString(), null, out, new RowCounts());
        List<String> predicted = out.toString().lines().toList();
        List<String> backtest = Files.readAllLines(tmp.resolve("report").resolve(ReportWriter.FORECASTS), StandardCharsets.UTF_8);
        int hCount = 3, compared = 0;
        for (int i = b; i < c; i++) {
            for (int h = 0; h < hCount; h++) {
                String p = predicted.get((i - a) * hCount + h), q = backtest.get(1 + (i - result.evalIndex[0]) * hCount + h);
                assertEquals(Long.toString(i - a), p.substring(0, p.indexOf(',')));
                assertEquals(Long.toString(i), q.substring(0, q.indexOf(',')));
                assertEquals(q.substring(q.indexOf(',')), p.substring(p.indexOf(',')));
                compared++;
            }
        }
        assertEquals(600 * 3, compared);
    }

    @Test
    void theArBaselineFindsThePredictableOneTickReturn() {
        // The data's next return is 0.5 x the current one: AR's median must beat no-change's 0 at 1 tick.
        double ar = result.scores.get("ar").get(0).mae();
        double noChange = result.scores.get("no-change").get(0).mae();
        assertTrue(ar < 0.95 * noChange, "AR MAE " + ar + " vs no-change " + noChange);
        assertTrue(result.dmSquaredError.get("ar").get(0).statistic() < -2, "DM on squared error should reject equal accuracy");
        assertTrue(result.scores.get("ar").get(0).directionalAccuracy() > 0.6);
    }

    @Test
    void noForecastUsesATickAfterItsTime() throws IOException {
        // t: inside the third fold's test window.
        long t = result.data.series.times[0] + Duration.ofMinutes(55).toMillis();
        List<String> in = Files.readAllLines(csv, StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        out.add(in.get(0));
        SplittableRandom rnd = new SplittableRandom(99);
        int perturbed = 0;
        for (String line : in.subList(1, in.size())) {
            String[] f = line.split(",");
            if (Long.parseLong(f[1]) > t) {
                f[2] = Double.toString(Double.parseDouble(f[2]) * (1 + 0.002 * rnd.nextGaussian()));
                f[3] = Double.toString(1 + 5 * rnd.nextDouble());
                perturbed++;
            }
            out.add(String.join(",", f));
        }
        assertTrue(perturbed > 500);
        Path other = tmp.resolve("perturbed.csv");
        Files.write(other, out, StandardCharsets.UTF_8);
        BacktestResult p = Backtest.run(config(other.toString(), tmp.resolve("perturbed-report")), null);

        assertEquals(result.nEval(), p.nEval());
        int per = result.horizons.size() * result.quantiles.length;
        for (int m = 0; m < result.models.size(); m++) {
            ModelForecasts a = result.models.get(m), b = p.models.get(m);
            assertEquals(a.name, b.name);
            int before = 0, changedAfter = 0;
            for (int k = 0; k < result.nEval(); k++) {
                boolean atOrBefore = result.data.series.times[result.evalIndex[k]] <= t;
                for (int j = 0; j < per; j++) {
                    int ia = Float.floatToIntBits(a.values[k * per + j]), ib = Float.floatToIntBits(b.values[k * per + j]);
                    if (atOrBefore) {
                        assertEquals(ia, ib, a.name + ": forecast at evaluated tick " + k + " (at or before t) changed");
                    } else if (ia != ib) {
                        changedAfter++;
                    }
                }
                if (atOrBefore) {
                    before++;
                }
            }
            assertTrue(before > 1000, "enough forecasts at or before t");
            if (!a.name.equals("no-change")) {
                assertTrue(changedAfter > 0, a.name + ": the perturbation must change forecasts after t, else the test proves nothing");
            }
        }
    }
}
