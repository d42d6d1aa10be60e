package org.mambats.backtest.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import org.mambats.backtest.run.BacktestResult;
import org.mambats.backtest.run.ModelForecasts;
import org.mambats.model.forecast.ForecastCsvWriter;

/** Writes the report directory: metrics.json, the chart PNGs, report.html (forecasts.csv is written during the replay). */
public final class ReportWriter {
    public static final String METRICS = "metrics.json";
    public static final String HTML = "report.html";
    public static final String FORECASTS = "forecasts.csv";

    private ReportWriter() {
    }

    /** Returns the metrics document it wrote. */
    public static ObjectNode write(BacktestResult r, Path dir) throws IOException {
        ObjectNode metrics = MetricsJson.build(r);
        MetricsJson.write(metrics, dir.resolve(METRICS));
        Charts.writeAll(r, dir);
        HtmlReport.write(r, dir.resolve(HTML));
        if (r.config.baselineForecasts) {
            for (ModelForecasts m : r.models.subList(1, r.models.size())) {
                writeForecasts(r, m, dir.resolve("forecasts-" + m.name + ".csv"));
            }
        }
        return metrics;
    }

    /** A baseline's forecasts at the scored ticks, in the predict format. */
    static void writeForecasts(BacktestResult r, ModelForecasts m, Path file) throws IOException {
        int per = r.horizons.size() * r.quantiles.length;
        float[] q = new float[per];
        try (ForecastCsvWriter w = new ForecastCsvWriter(file, r.horizons, r.quantiles)) {
            for (int k = 0; k < r.nEval(); k++) {
                int p = r.data.positionOf(r.evalIndex[k]);
                System.arraycopy(m.values, k * per, q, 0, per);
                w.write(r.data.rowIndex[p], r.data.ticks[p], r.data.timeText[p], q);
            }
        }
    }
}
