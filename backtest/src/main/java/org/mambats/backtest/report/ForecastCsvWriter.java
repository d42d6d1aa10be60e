package org.mambats.backtest.report;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.mambats.model.cli.PredictCommand;
import org.mambats.model.features.Horizon;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.tick.Tick;

/**
 * Writes forecasts in {@code ./mamba-ts predict}'s format, {@code seq,symbol,ts,price,horizon,q<level>...}: the
 * header by {@link PredictCommand#writeHeader}, the rows formatted exactly as predict formats them (the tick's
 * data row, the symbol, the time as written in the input, {@code Double.toString} of the price, the horizon label,
 * {@code Float.toString} of each predicted log return). The parity test holds the two byte for byte.
 */
public final class ForecastCsvWriter implements Closeable {
    private final BufferedWriter out;
    private final List<Horizon> horizons;
    private final int nQ;
    private final StringBuilder line = new StringBuilder(128);
    private long rows;

    public ForecastCsvWriter(Path file, ForecastModel model) throws IOException {
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        this.horizons = model.horizons();
        this.nQ = model.quantiles().length;
        PredictCommand.writeHeader(out, model);
    }

    /** For forecasts that do not come from a checkpoint (the baselines): the same header, written here. */
    public ForecastCsvWriter(Path file, List<Horizon> horizons, float[] quantiles) throws IOException {
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        this.horizons = List.copyOf(horizons);
        this.nQ = quantiles.length;
        out.write("seq,symbol,ts,price,horizon");
        for (float q : quantiles) {
            out.write(",q" + q);
        }
        out.write('\n');
    }

    /** One row per horizon for the forecast made at {@code t}; {@code q[h * Q + j]} as the stepper lays them out. */
    public void write(long seq, Tick t, String timeText, float[] q) throws IOException {
        int h = 0;
        for (Horizon hz : horizons) {
            line.setLength(0);
            line.append(seq).append(',').append(t.symbol()).append(',').append(timeText).append(',').append(t.price())
                    .append(',').append(hz.label());
            for (int j = 0; j < nQ; j++) {
                line.append(',').append(q[h * nQ + j]);
            }
            line.append('\n');
            out.append(line);
            h++;
        }
        rows += horizons.size();
    }

    public long rows() {
        return rows;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
