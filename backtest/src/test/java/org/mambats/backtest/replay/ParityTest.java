package org.mambats.backtest.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.model.tick.RowCounts;
import org.mambats.backtest.run.Backtest;
import org.mambats.backtest.run.BacktestConfig;
import org.mambats.backtest.run.BacktestResult;
import org.mambats.model.cli.PredictCommand;
import org.mambats.model.features.Horizon;
import org.mambats.model.features.TickFeatures;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.forecast.ForecasterWeights;
import org.mambats.model.mamba.MambaConfig;
import org.mambats.model.tick.TickCsv;

/**
 * Parity: a backtest of a checkpoint writes exactly the forecasts {@code ./mamba-ts predict} writes for the same ticks
 * (the reference the live stream is tested against), byte for byte: on a file with two symbols, quotes, mixed time
 * formats, duplicates, rejected, unparseable and late rows, and on real Bitstamp trades. And the checkpoint path's
 * no-look-ahead property, and its choice of the scored ticks.
 */
class ParityTest {
    @TempDir
    static Path tmp;
    static Path checkpoint;
    static Path messy;
    static final long T0 = Instant.parse("2024-01-02T03:00:00Z").toEpochMilli();

    /** A checkpoint with random (untrained) weights: parity does not need a good model. */
    static Path checkpoint(String name, ObjectNode provenance) throws IOException {
        MambaConfig c = new MambaConfig(16, 2, 8, 2, 32, 4, 1, 1e-5f, true, false);
        List<Horizon> horizons = Horizon.parseList("1tick,10s,60s");
        ForecasterWeights w = ForecasterWeights.initialize(c, TickFeatures.COUNT, horizons.size(), 3, 17);
        ForecastModel.Settings s = new ForecastModel.Settings();
        s.horizons = horizons;
        s.quantiles = new float[] {0.1f, 0.5f, 0.9f};
        s.targetScale = new float[] {2e-4f, 5e-4f, 1e-3f};
        s.featureMean = new float[] {0, 0.5f, 0.7f, 0, 0.5f, 3};
        s.featureStd = new float[] {2e-4f, 0.5f, 0.5f, 0.8f, 1f, 2f};
        s.volHalfLifeTicks = 20;
        s.outOfOrderGraceMillis = 2000;
        if (provenance != null) {
            s.provenance = provenance;
        }
        Path dir = tmp.resolve(name);
        ForecastModel.save(dir, w, s);
        return dir;
    }

    @BeforeAll
    static void setUp() throws IOException {
        checkpoint = checkpoint("ckpt", null);
        // Two symbols; quotes on some rows; ISO and epoch-ms times; duplicates, bad rows, late rows.
        SplittableRandom rnd = new SplittableRandom(4);
        List<String> lines = new ArrayList<>();
        lines.add("symbol,ts,price,size,bid,ask,seq");
        long seq = 0;
        double p = 250;
        long t = T0;
        String prev = null;
        for (int i = 0; i < 3000; i++) {
            t += 200 + rnd.nextInt(600);
            p *= Math.exp(3e-4 * rnd.nextGaussian());
            String ts = i % 2 == 0 ? Instant.ofEpochMilli(t).toString() : Long.toString(t);
            String quote = i % 3 == 0 ? String.format(Locale.ROOT, "%.4f,%.4f", p * 0.9999, p * 1.0001) : ",";
            // S has sequence numbers; T has none (each of its ticks gets its data row, as predict does).
            String row = "S," + ts + "," + p + "," + String.format(Locale.ROOT, "%.5f", rnd.nextDouble() * 3) + "," + quote + "," + seq++;
            lines.add(row);
            if (i % 7 == 0) {
                lines.add("T," + t + "," + (p * 2) + ",1,,,");
            }
            if (i % 50 == 49 && prev != null) {
                lines.add(prev); // a repeat of an earlier row: a duplicate when it has a sequence number
            }
            if (i % 97 == 0) {
                lines.add("S," + t + ",-1,1,,,");                   // rejected: price
            }
            if (i % 131 == 0) {
                lines.add("S," + t + ",abc,1,,,");                  // unparseable
            }
            if (i % 61 == 0) {
                lines.add("S," + (t - 1000) + "," + p + ",0.5,,," + seq++); // late, within the grace: accepted
            }
            if (i % 89 == 0) {
                lines.add("S," + (t - 5000) + "," + p + ",0.5,,," + seq++); // late beyond the grace: rejected
            }
            if (i % 113 == 0) {
                lines.add("S," + t + "," + p + ",1," + (p * 1.01) + "," + (p * 0.99) + ","); // crossed quote: rejected
            }
            prev = row;
        }
        messy = tmp.resolve("messy.csv");
        Files.write(messy, lines, StandardCharsets.UTF_8);
    }

    static BacktestConfig config(String data, String symbol, Path ckpt, Path report) {
        BacktestConfig c = new BacktestConfig();
        c.data = data;
        c.symbols = symbol == null ? new java.util.ArrayList<>() : new java.util.ArrayList<>(List.of(symbol));
        c.checkpoint = ckpt;
        c.reportDir = report;
        c.baselines = List.of("no-change", "ewma", "ar");
        return c;
    }

    static String predict(Path ckpt, String data, String symbol) throws IOException {
        ForecastModel model = ForecastModel.load(ckpt);
        StringWriter out = new StringWriter();
        new org.mambats.model.forecast.ForecastCsvWriter(out, model.horizons(), model.quantiles()).header();
        PredictCommand.predict(model, data, symbol, out, new RowCounts());
        return out.toString();
    }

    @Test
    void backtestForecastsArePredictsByteForByte() throws IOException {
        Path report = tmp.resolve("messy-report");
        BacktestResult r = Backtest.run(config(messy.toString(), "S", checkpoint, report), null);
        byte[] backtest = Files.readAllBytes(report.resolve("forecasts.csv"));
        byte[] predict = predict(checkpoint, messy.toString(), "S").getBytes(StandardCharsets.UTF_8);
        assertTrue(predict.length > 100_000);
        assertArrayEquals(predict, backtest, "forecasts.csv must equal predict's output byte for byte");
        assertTrue(r.data.counts.duplicates > 0 && r.data.counts.rejected > 0 && r.data.counts.unparseable > 0,
                "the file must exercise every verdict: " + r.data.counts);
        assertEquals(3 * r.data.counts.accepted, r.mambaForecastRows);
    }

    @Test
    void parityOnRealBitstampTrades() throws IOException {
        Path csv = tmp.resolve("bitstamp-head.csv");
        List<String> head = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(TickCsv.open("classpath:" + TickCsv.BITSTAMP_RESOURCE),
                StandardCharsets.UTF_8))) {
            for (String line; head.size() < 5001 && (line = in.readLine()) != null; ) {
                head.add(line);
            }
        }
        Files.write(csv, head, StandardCharsets.UTF_8);
        Path report = tmp.resolve("bitstamp-report");
        Backtest.run(config(csv.toString(), null, checkpoint, report), null);
        assertArrayEquals(predict(checkpoint, csv.toString(), null).getBytes(StandardCharsets.UTF_8),
                Files.readAllBytes(report.resolve("forecasts.csv")));
    }

    @Test
    void noForecastChangesWhenLaterRowsDo() throws IOException {
        List<String> lines = Files.readAllLines(messy, StandardCharsets.UTF_8);
        int cut = lines.size() / 2; // perturb every row after this one, in arrival order
        SplittableRandom rnd = new SplittableRandom(8);
        List<String> changed = new ArrayList<>(lines.subList(0, cut + 1));
        for (String line : lines.subList(cut + 1, lines.size())) {
            String[] f = line.split(",", -1);
            try {
                double price = Double.parseDouble(f[2]);
                f[2] = Double.toString(price > 0 ? price * (1 + 0.003 * rnd.nextGaussian()) : price);
                f[3] = Double.toString(rnd.nextDouble() * 5);
            } catch (NumberFormatException unparseable) {
                // leave it as it is
            }
            changed.add(String.join(",", f));
        }
        Path other = tmp.resolve("messy-perturbed.csv");
        Files.write(other, changed, StandardCharsets.UTF_8);
        Backtest.run(config(messy.toString(), "S", checkpoint, tmp.resolve("original")), null);
        Backtest.run(config(other.toString(), "S", checkpoint, tmp.resolve("perturbed")), null);
        List<String> a = Files.readAllLines(tmp.resolve("original").resolve("forecasts.csv"));
        List<String> b = Files.readAllLines(tmp.resolve("perturbed").resolve("forecasts.csv"));
        long before = 0, after = 0;
        for (int i = 1; i < Math.min(a.size(), b.size()); i++) {
            long seq = Long.parseLong(a.get(i).substring(0, a.get(i).indexOf(',')));
            if (seq < cut) { // data row `seq` is file line seq + 1 <= cut
                assertEquals(a.get(i), b.get(i), "a forecast made before the perturbed rows changed");
                before++;
            } else if (!a.get(i).equals(b.get(i))) {
                after++;
            }
        }
        assertTrue(before > 1000 && after > 1000, before + " rows before, " + after + " changed after");
    }

    @Test
    void scoresOnlyTicksAfterTheCheckpointsTrainingData() throws IOException {
        // Provenance says the checkpoint was trained on minutes 2 to 12 of the file's 25.
        long dataTo = T0 + 12 * 60_000L;
        ObjectNode prov = JsonNodeFactory.instance.objectNode();
        prov.put("data_from", Instant.ofEpochMilli(T0 + 2 * 60_000L).toString()).put("data_to", Instant.ofEpochMilli(dataTo).toString());
        Path ckpt = checkpoint("ckpt-prov", prov);
        BacktestResult r = Backtest.run(config(messy.toString(), "S", ckpt, tmp.resolve("prov-report")), null);
        int first = r.evalIndex[0];
        assertTrue(r.data.series.times[first] > dataTo);
        assertTrue(r.data.series.times[first - 1] <= dataTo);
        assertEquals(r.data.series.indexAtOrAfter(T0 + 2 * 60_000L), first - r.folds.get(0).path("baseline_fit_ticks").asInt(),
                "the baselines are fitted on the checkpoint's own training range");

        ObjectNode all = JsonNodeFactory.instance.objectNode();
        all.put("data_from", Instant.ofEpochMilli(T0).toString()).put("data_to", Instant.ofEpochMilli(T0 + 86_400_000L).toString());
        Path inSample = checkpoint("ckpt-all", all);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backtest.run(config(messy.toString(), "S", inSample, tmp.resolve("all-report")), null));
        assertTrue(e.getMessage().contains("nothing out of sample"), e.getMessage());

        // Without provenance: the first 20% of the time range fits the baselines.
        BacktestResult plain = Backtest.run(config(messy.toString(), "S", checkpoint, tmp.resolve("plain-report")), null);
        long t0 = plain.data.series.times[0], t1 = plain.data.series.times[plain.data.series.length - 1];
        assertEquals(plain.data.series.indexAtOrAfter(t0 + (long) (0.2 * (t1 - t0))), plain.evalIndex[0]);
    }

    @Test
    void aFileWithSeveralSymbolsNeedsOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backtest.run(config(messy.toString(), null, checkpoint, tmp.resolve("x")), null));
        assertTrue(e.getMessage().contains("--symbol"), e.getMessage());
    }
}
