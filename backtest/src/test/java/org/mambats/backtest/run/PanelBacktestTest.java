package org.mambats.backtest.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.backtest.cli.BacktestCommand;
import org.mambats.backtest.metrics.ForecastScores;
import org.mambats.backtest.metrics.PooledScores;
import org.mambats.backtest.metrics.Portfolio;
import org.mambats.backtest.report.PanelReport;
import org.mambats.backtest.report.ReportWriter;
import org.mambats.model.dataset.SyntheticTicks;
import org.mambats.model.forecast.ForecastModel;

/**
 * A panel backtest end to end on a synthetic universe whose best forecasts are known: two AR(1) symbols (one at
 * 100 and calm, one at 5,000 and ten times as volatile, starting two minutes later) and a random walk. One global
 * model per fold on two workers; the pooled scores against their definitions; the known signal found where it is
 * and not where it is not; a portfolio; and across symbols the no-look-ahead property, on one worker, so the same
 * comparison shows the result does not depend on the number of workers.
 */
class PanelBacktestTest {
    @TempDir
    static Path tmp;
    static Path csv;
    static PanelResult panel;
    static final String[] SYMBOLS = {"CALM", "WILD", "WALK"};

    record Row(String symbol, long time, double price) {
    }

    static List<Row> universe() {
        SyntheticTicks calm = new SyntheticTicks(3000, 0.5, 1e-4, 3e-4, 0.995, 1000, 21);
        SyntheticTicks wild = new SyntheticTicks(2880, 0.5, 1e-3, 3e-3, 0.995, 1000, 22);
        SyntheticTicks walk = new SyntheticTicks(3000, 0.0, 1e-4, 3e-4, 0.995, 1000, 23);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < calm.prices.length; i++) {
            rows.add(new Row(SYMBOLS[0], calm.times[i], calm.prices[i]));
            rows.add(new Row(SYMBOLS[2], walk.times[i] + 300, walk.prices[i]));
        }
        for (int i = 0; i < wild.prices.length; i++) {
            rows.add(new Row(SYMBOLS[1], wild.times[i] + 120_000 + 600, 50 * wild.prices[i]));
        }
        rows.sort(Comparator.comparingLong(Row::time));
        return rows;
    }

    static void write(List<Row> rows, Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("symbol,ts,price,size");
        for (Row r : rows) {
            lines.add(r.symbol() + "," + r.time() + "," + r.price() + ",1");
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    static BacktestConfig config(String data, Path report, int workers) {
        BacktestConfig c = WalkForwardTest.config(data, report);
        c.trainWindow = java.time.Duration.ofMinutes(20);
        c.testWindow = java.time.Duration.ofMinutes(10);
        c.retrainEvery = java.time.Duration.ofMinutes(10);
        c.baselines = new ArrayList<>(List.of("no-change", "ewma", "ar"));
        c.workers = workers;
        c.progress = false;
        return c;
    }

    @BeforeAll
    static void runOnce() throws IOException {
        csv = tmp.resolve("universe.csv");
        write(universe(), csv);
        panel = BacktestCommand.run(config(csv.toString(), tmp.resolve("report"), 2));
    }

    @Test
    void everySymbolIsScoredAndReported() throws IOException {
        assertEquals(List.of("CALM", "WALK", "WILD"), panel.symbolNames(), "in the order of first appearance");
        JsonNode m = new ObjectMapper().readTree(tmp.resolve("report").resolve(ReportWriter.METRICS).toFile());
        assertEquals("panel", m.path("run").path("kind").asText());
        assertEquals(3, m.path("symbols").size());
        for (BacktestResult r : panel.symbols) {
            Path dir = tmp.resolve("report").resolve("symbols").resolve(r.data.symbol);
            JsonNode sm = new ObjectMapper().readTree(dir.resolve(ReportWriter.METRICS).toFile());
            assertEquals(r.data.symbol, sm.path("data").path("symbol").asText());
            assertEquals(panel.runId, sm.path("run").path("panel_run_id").asText());
            assertTrue(Files.size(dir.resolve(ReportWriter.HTML)) > 1000);
            List<String> forecasts = Files.readAllLines(dir.resolve(ReportWriter.FORECASTS));
            assertEquals(r.nEval() * 3L + 1, forecasts.size(), r.data.symbol + " forecasts.csv: a row per scored tick and horizon");
            assertTrue(forecasts.stream().skip(1).allMatch(l -> l.split(",")[1].equals(r.data.symbol)));
            assertEquals(0, r.replayMismatches);
            assertTrue(r.nEval() > 1000, r.data.symbol + " scored " + r.nEval());
        }
        for (String png : List.of(PanelReport.SKILL, PanelReport.PORTFOLIO)) {
            assertTrue(javax.imageio.ImageIO.read(tmp.resolve("report").resolve(png).toFile()).getWidth() >= 1000, png);
        }
        String html = Files.readString(tmp.resolve("report").resolve(ReportWriter.HTML));
        for (String s : SYMBOLS) {
            assertTrue(html.contains("symbols/" + s + "/report.html"), "links " + s);
        }
    }

    @Test
    void oneGlobalModelPerFoldTrainedOnEverySymbol() throws IOException {
        Path folds = tmp.resolve("report").resolve("folds");
        try (var dirs = Files.list(folds)) {
            List<Path> all = dirs.sorted().toList();
            assertEquals(3, all.size(), "50 minutes, 20m train, 10m test: 3 folds, one model each: " + all);
            ForecastModel model = ForecastModel.load(all.get(1));
            JsonNode p = ForecastModel.Settings.fromJson(model.config().get(ForecastModel.CONFIG_KEY)).provenance;
            assertEquals(3, p.path("symbols").size(), p.toString());
            for (JsonNode s : p.path("symbol_data")) {
                assertTrue(s.path("train_ticks").asLong() > 700 && s.path("weight_per_tick").asDouble() > 0, s.toString());
                assertTrue(s.path("from").asText().compareTo(s.path("to").asText()) < 0);
            }
        }
    }

    @Test
    void pooledScoresFollowTheirDefinition() {
        for (int h = 0; h < panel.horizons.size(); h++) {
            PooledScores noChange = panel.pooled.get("no-change").get(h);
            assertEquals(1.0, noChange.relativePinball(), 1e-9, "no-change is the unit");
            for (var e : panel.pooled.entrySet()) {
                PooledScores s = e.getValue().get(h);
                long n = 0;
                double weighted = 0;
                for (BacktestResult r : panel.symbols) {
                    ForecastScores own = r.scores.get(e.getKey()).get(h);
                    n += own.n();
                    weighted += own.n() * (1 - own.pinballMean() / r.scores.get("no-change").get(h).pinballMean());
                }
                assertEquals(n, s.n(), e.getKey());
                assertEquals(weighted / n, s.skill(), 1e-9, e.getKey() + ": the tick-weighted mean of the symbols' skills");
                assertEquals(3, s.symbols());
            }
        }
        assertEquals(panel.horizons.size(), panel.verdicts.size());
    }

    @Test
    void theKnownSignalIsFoundWhereItIsAndNotWhereItIsNot() {
        // AR(1) with phi 0.5 on two symbols: the AR baseline's pooled 1-tick skill is large and significant, whatever the
        // symbols' price levels; on the random walk there is nothing to find.
        PooledScores ar = panel.pooled.get("ar").get(0);
        assertTrue(ar.skill() > 0.05, "pooled AR skill " + ar.skill());
        assertTrue(ar.dm().statistic() < 0 && ar.dm().pValue() < 0.01, ar.dm().toString());
        for (BacktestResult r : panel.symbols) {
            double skill = 1 - r.scores.get("ar").get(0).pinballMean() / r.scores.get("no-change").get(0).pinballMean();
            if (r.data.symbol.equals("WALK")) {
                assertTrue(skill < 0.02, "nothing to find on a random walk: " + skill);
            } else {
                assertTrue(skill > 0.08, r.data.symbol + ": " + skill);
            }
        }
        // The calibrated Mamba band covers about 80% pooled.
        double coverage = panel.pooled.get(Backtest.MAMBA).get(0).coverage();
        assertTrue(coverage > 0.72 && coverage < 0.88, "pooled coverage " + coverage);
    }

    @Test
    void thePortfolioCombinesEverySymbolsTrading() {
        Portfolio.Result book = panel.portfolio.get(Backtest.MAMBA);
        assertNotNull(book);
        assertEquals(3, book.sleeves());
        double sum = 0;
        long trades = 0;
        for (int s = 0; s < 3; s++) {
            sum += book.contribution()[s];
            trades += panel.symbols.get(s).trading.get(Backtest.MAMBA).trades();
            double own = panel.symbols.get(s).trading.get(Backtest.MAMBA).cumulativeReturn();
            assertEquals(own / 3, book.contribution()[s], 1e-12);
        }
        assertEquals(book.cumulativeReturn(), sum, 1e-12);
        assertEquals(trades, book.trades());
        assertNotNull(panel.portfolio.get(Backtest.BUY_AND_HOLD));
    }

    @Test
    void noForecastOfAnySymbolUsesATickAfterItsTimeWhateverTheWorkers() throws IOException {
        // Perturb every symbol's price after t, inside the second fold's test window; forecast at or before t must not
        // change, on any symbol, for any model; and this run has one worker where the first had two.
        List<Row> rows = universe();
        long t0 = rows.get(0).time();
        long t = t0 + 33 * 60_000L;
        List<Row> perturbed = new ArrayList<>();
        int changed = 0;
        for (Row r : rows) {
            boolean after = r.time() > t;
            changed += after ? 1 : 0;
            perturbed.add(after ? new Row(r.symbol(), r.time(), r.price() * (1 + 0.01 * Math.sin(r.time()))) : r);
        }
        assertTrue(changed > 1000);
        Path other = tmp.resolve("perturbed.csv");
        write(perturbed, other);
        PanelResult p = Backtest.runUniverse(config(other.toString(), tmp.resolve("perturbed-report"), 1), null);
        int compared = 0;
        for (int s = 0; s < 3; s++) {
            BacktestResult a = panel.symbols.get(s), b = p.symbols.get(s);
            assertEquals(a.nEval(), b.nEval());
            int per = a.horizons.size() * a.quantiles.length;
            for (int m = 0; m < a.models.size(); m++) {
                for (int k = 0; k < a.nEval(); k++) {
                    if (a.data.series.times[a.evalIndex[k]] > t) {
                        continue;
                    }
                    for (int j = 0; j < per; j++) {
                        assertEquals(Float.floatToIntBits(a.models.get(m).values[k * per + j]),
                                Float.floatToIntBits(b.models.get(m).values[k * per + j]),
                                a.data.symbol + " " + a.models.get(m).name + ": forecast at scored tick " + k + " (at or before t) changed");
                    }
                    compared++;
                }
            }
        }
        assertTrue(compared > 3 * 5 * 600, "compared " + compared);
    }

    @Test
    void perSymbolModelsTrainEachSymbolAlone() throws IOException {
        BacktestConfig c = config(csv.toString(), tmp.resolve("per-symbol-report"), 2);
        c.perSymbolModels = true;
        PanelResult p = Backtest.runUniverse(c, null);
        for (String s : SYMBOLS) {
            Path dir = c.reportDir.resolve("folds").resolve("fold-02").resolve(s);
            JsonNode prov = ForecastModel.Settings.fromJson(ForecastModel.load(dir).config().get(ForecastModel.CONFIG_KEY)).provenance;
            assertEquals(List.of(s), List.of(prov.path("symbols").get(0).asText()), prov.toString());
            assertEquals(1, prov.path("symbols").size());
        }
        // Both ways are scored on the same ticks; which one wins is the data's business (the README reports it).
        for (int h = 0; h < p.horizons.size(); h++) {
            assertEquals(panel.pooled.get(Backtest.MAMBA).get(h).n(), p.pooled.get(Backtest.MAMBA).get(h).n());
            System.err.printf("pooled Mamba relative pinball at %s: global %.4f, per-symbol %.4f%n", p.horizons.get(h).label(),
                    panel.pooled.get(Backtest.MAMBA).get(h).relativePinball(), p.pooled.get(Backtest.MAMBA).get(h).relativePinball());
        }
    }
}
