package org.mambats.model.forecast;

import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.mambats.model.features.Horizon;
import org.mambats.model.tick.Tick;

/**
 * The one writer of the forecast CSV that {@code ./mamba-ts predict} and the backtest's {@code forecasts.csv} share:
 * a header {@code seq,symbol,ts,price,horizon,q<level>...}, then a row per horizon of each forecast (the tick's data
 * row, the symbol, the time as written in the input, {@code Double.toString} of the price, the horizon label,
 * {@code Float.toString} of each predicted log return). The backtest's parity test holds the two byte for byte.
 */
public final class ForecastCsvWriter implements Closeable {
    private final Writer out;
    private final List<Horizon> horizons;
    private final float[] quantiles;
    private final StringBuilder line = new StringBuilder(128);
    private long rows;

    /** Writes to {@code out}, without a header until {@link #header()}; closing closes {@code out}. */
    public ForecastCsvWriter(Writer out, List<Horizon> horizons, float[] quantiles) {
        this.out = out;
        this.horizons = List.copyOf(horizons);
        this.quantiles = quantiles.clone();
    }

    /** A new file with its header, for the forecasts of {@code model}. */
    public ForecastCsvWriter(Path file, ForecastModel model) throws IOException {
        this(file, model.horizons(), model.quantiles());
    }

    /** A new file with its header, for forecasts that do not come from a checkpoint (the baselines). */
    public ForecastCsvWriter(Path file, List<Horizon> horizons, float[] quantiles) throws IOException {
        this(Files.newBufferedWriter(file, StandardCharsets.UTF_8), horizons, quantiles);
        header();
    }

    public ForecastCsvWriter header() throws IOException {
        out.write("seq,symbol,ts,price,horizon");
        for (float q : quantiles) {
            out.write(",q" + q);
        }
        out.write('\n');
        return this;
    }

    /** One row per horizon for the forecast made at {@code t}; {@code q[h * Q + j]} as the stepper lays them out. */
    public void write(long seq, Tick t, String timeText, float[] q) throws IOException {
        int nQ = quantiles.length;
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
