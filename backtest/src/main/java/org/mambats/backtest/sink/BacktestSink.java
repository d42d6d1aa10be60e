package org.mambats.backtest.sink;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ServiceLoader;
import org.mambats.backtest.run.BacktestResult;

/**
 * Where a finished run's results go besides the report directory: the database's backtest tables when a JDBC URL
 * is given. The implementation lives with the database code and is found through {@link Provider} by
 * {@link ServiceLoader}, so this module does not depend on it; without a URL runs go nowhere else.
 */
public interface BacktestSink extends AutoCloseable {

    /**
     * Stores one run.
     *
     * @param runId   the run's id (also in metrics.json)
     * @param config  the run's configuration ({@code run.config} of metrics.json)
     * @param metrics the whole metrics.json document: data range, folds, per model and horizon every metric, trading
     * @param result  the run itself, for sinks that also store forecasts or equity curves
     */
    void storeRun(String runId, ObjectNode config, ObjectNode metrics, BacktestResult result) throws IOException;

    /**
     * Stores a universe's run: the universe itself (pooled scores, portfolio) and each symbol's own run, linked to
     * it. Sinks without a home for the universe store the symbols' runs only.
     *
     * @param metrics        the universe's metrics.json document
     * @param symbolMetrics  each symbol's metrics.json document, in the order of {@code panel.symbols}
     */
    default void storePanel(String runId, ObjectNode metrics, org.mambats.backtest.run.PanelResult panel,
                            java.util.List<ObjectNode> symbolMetrics) throws IOException {
        for (int s = 0; s < panel.symbols.size(); s++) {
            BacktestResult r = panel.symbols.get(s);
            ObjectNode m = symbolMetrics.get(s);
            storeRun(r.runId, (ObjectNode) m.path("run").path("config"), m, r);
        }
    }

    @Override
    default void close() throws IOException {
    }

    /** Makes sinks for the URLs it understands; registered in META-INF/services. */
    interface Provider {
        boolean accepts(String url);

        BacktestSink open(String url) throws IOException;
    }

    /** Does nothing: the sink of runs without a database. */
    BacktestSink NONE = (runId, config, metrics, result) -> { };

    /** The sink for {@code url}: {@link #NONE} when null or blank, else the first provider that accepts it. */
    static BacktestSink open(String url) throws IOException {
        if (url == null || url.isBlank()) {
            return NONE;
        }
        for (Provider p : ServiceLoader.load(Provider.class)) {
            if (p.accepts(url)) {
                return p.open(url);
            }
        }
        throw new IllegalArgumentException("no backtest sink on the class path accepts " + url.replaceAll("(?i)(password=)[^&;]*", "$1***")
                + " (the database sink arrives with the TimescaleDB issue); run without --jdbc-url");
    }
}
