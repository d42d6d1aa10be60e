package org.mambats.model.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mambats.model.forecast.ForecastCsvWriter;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.forecast.ForecastStepper;
import org.mambats.model.forecast.SymbolState;
import org.mambats.model.tick.RejectionSummary;
import org.mambats.model.tick.Tick;
import org.mambats.model.tick.TickCsv;
import org.mambats.model.tick.TickRow;
import org.mambats.model.tick.TickValidator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./mamba-ts predict}: batch scoring. Runs the streaming step over a CSV of ticks, one symbol state per
 * symbol, exactly as the live operator does, and writes one row per accepted tick and horizon.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Score a CSV of ticks with a trained checkpoint through the streaming step; writes "
                + "seq,symbol,ts,price,horizon,q<level>... (predicted log returns), one row per accepted tick and horizon.")
public class PredictCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "Forecaster checkpoint directory (from ./mamba-ts train).")
    Path checkpoint;
    @Option(names = "--data", required = true,
            description = "Tick CSV: timestamp,price,amount (unix seconds) or symbol,ts,price,size[,bid,ask][,seq]; "
                    + "classpath:" + TickCsv.BITSTAMP_RESOURCE + " reads the shipped Bitstamp trades.")
    String data;
    @Option(names = "--output", required = true, description = "Forecasts CSV to write.")
    Path output;
    @Option(names = "--symbol", description = "Symbol for files without a symbol column (default " + TickCsv.DEFAULT_SYMBOL
            + "); for files with one, score only this symbol.")
    String symbol;

    @Override
    public Integer call() throws Exception {
        ForecastModel model = ForecastModel.load(checkpoint);
        Stats stats = new Stats();
        try (BufferedWriter out = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
            new ForecastCsvWriter(out, model.horizons(), model.quantiles()).header();
            predict(model, data, symbol, out, stats);
        }
        System.err.printf("predict: %d rows, %d accepted, %d duplicates, %d rejected, %d unparseable -> %s (model %s %s)%n",
                stats.rows, stats.accepted, stats.duplicates, stats.rejected, stats.unparseable, output, model.name(), model.version());
        stats.reasons.lines().forEach(l -> System.err.println("predict:   " + l));
        return 0;
    }

    /** Counts of what happened to the input rows. */
    public static final class Stats {
        public long rows, accepted, duplicates, rejected, unparseable;
        /** The rows that did not become forecasts, by reason, with the first example of each. */
        public final RejectionSummary reasons = new RejectionSummary();
    }

    /**
     * Scores every row of {@code data}: a tick without its own sequence number gets its 0-based row index, as
     * {@code ./mamba-ts publish} does, so the two paths validate identically.
     */
    public static void predict(ForecastModel model, String data, String onlySymbol, Writer out, Stats stats) throws IOException {
        ForecastStepper stepper = model.newStepper();
        Map<String, SymbolState> states = new HashMap<>();
        String defaultSymbol = onlySymbol == null ? TickCsv.DEFAULT_SYMBOL : onlySymbol;
        ForecastCsvWriter csv = new ForecastCsvWriter(out, model.horizons(), model.quantiles());
        IOException[] failure = new IOException[1];
        TickCsv.read(data, defaultSymbol, (TickRow row) -> {
            stats.rows++;
            if (!row.parsed()) {
                stats.unparseable++;
                stats.reasons.add("unparseable", row.index(), row.error());
                return;
            }
            Tick t = row.numberedTick();
            if (onlySymbol != null && !onlySymbol.equals(t.symbol())) {
                return;
            }
            SymbolState state = states.computeIfAbsent(t.symbol(), s -> model.newState());
            TickValidator.Verdict v = stepper.process(t, state);
            switch (v.outcome()) {
                case DUPLICATE -> {
                    stats.duplicates++;
                    stats.reasons.add("duplicate", row.index(), v.reason());
                }
                case REJECT -> {
                    stats.rejected++;
                    stats.reasons.add("rejected", row.index(), v.reason());
                }
                case ACCEPT -> {
                    stats.accepted++;
                    try {
                        csv.write(row.index(), t, row.timeText(), stepper.quantiles());
                    } catch (IOException e) {
                        failure[0] = e;
                    }
                }
            }
        });
        if (failure[0] != null) {
            throw failure[0];
        }
    }
}
