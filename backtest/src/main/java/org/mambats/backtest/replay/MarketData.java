package org.mambats.backtest.replay;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mambats.model.tick.RowCounts;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.tick.Tick;
import org.mambats.model.tick.TickCsv;
import org.mambats.model.tick.TickRow;

/**
 * One symbol's history, read twice from the same file: as the raw rows the live stream would receive (every parsed
 * row of the symbol, in file order, with its time exactly as written, each tick numbered by its data row when the
 * file has no sequence numbers, as {@code ./mamba-ts predict} and {@code publish} do), and as the
 * {@link TickSeries} of accepted ticks (the same validator and feature code) that training, targets and the
 * baselines use. {@link #seriesIndex} links the two.
 */
public final class MarketData {
    public final String location;
    public final String symbol;
    public final TickSeries series;
    public final RowCounts counts;
    /** The symbol's parsed rows, in file order: the ticks (sequence number set), their data row, their time text. */
    public final Tick[] ticks;
    public final long[] rowIndex;
    public final String[] timeText;
    /** For each row position, the index of its tick in {@link #series}, or -1 when the validator did not accept it. */
    public final int[] seriesIndex;

    private MarketData(String location, String symbol, TickSeries series, RowCounts counts, List<TickRow> rows) {
        this.location = location;
        this.symbol = symbol;
        this.series = series;
        this.counts = counts;
        int n = rows.size();
        ticks = new Tick[n];
        rowIndex = new long[n];
        timeText = new String[n];
        seriesIndex = new int[n];
        for (int p = 0; p < n; p++) {
            TickRow r = rows.get(p);
            ticks[p] = r.numberedTick();
            rowIndex[p] = r.index();
            timeText[p] = r.timeText();
            int i = Arrays.binarySearch(series.rows, r.index());
            seriesIndex[p] = i >= 0 ? i : -1;
        }
    }

    /**
     * Reads {@code location} (a path or {@code classpath:NAME}). With {@code symbol} null the file must hold one
     * symbol (for files without a symbol column it is {@link TickCsv#DEFAULT_SYMBOL}).
     */
    public static MarketData read(String location, String symbol, double volHalfLifeTicks, long graceMillis) throws IOException {
        List<MarketData> all = readUniverse(location, symbol == null ? null : List.of(symbol), volHalfLifeTicks, graceMillis);
        if (symbol == null && all.size() > 1) {
            throw new IllegalArgumentException(location + " holds several symbols " + all.stream().map(d -> d.symbol).toList()
                    + ": choose one with --symbol");
        }
        return all.get(0);
    }

    /**
     * Reads every symbol of {@code location}, or only {@code symbols} when given (each must be in the file), in the
     * file's order of first appearance; one pass over the file for the series, one for the rows. The counts are the
     * file's, shared by every symbol read.
     */
    public static List<MarketData> readUniverse(String location, List<String> symbols, double volHalfLifeTicks, long graceMillis)
            throws IOException {
        RowCounts counts = new RowCounts();
        String only = symbols != null && symbols.size() == 1 ? symbols.get(0) : null;
        Map<String, TickSeries> all = TickSeries.read(location, only, volHalfLifeTicks, graceMillis, counts);
        if (symbols != null) {
            List<String> missing = symbols.stream().filter(s -> !all.containsKey(s)).toList();
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException(location + ": no accepted ticks of " + missing + " (" + counts + "); the file holds "
                        + all.keySet());
            }
            all.keySet().retainAll(symbols);
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException(location + ": no accepted ticks (" + counts + ")");
        }
        Map<String, List<TickRow>> rows = new LinkedHashMap<>();
        all.forEach((sym, series) -> rows.put(sym, new ArrayList<>(series.length + 16)));
        String defaultSymbol = TickCsv.defaultSymbol(only);
        TickCsv.read(location, defaultSymbol, (TickRow row) -> {
            List<TickRow> list = row.parsed() ? rows.get(row.tick().symbol()) : null;
            if (list != null) {
                list.add(row);
            }
        });
        List<MarketData> out = new ArrayList<>();
        all.forEach((sym, series) -> out.add(new MarketData(location, sym, series, counts, rows.get(sym))));
        return out;
    }

    public int rows() {
        return ticks.length;
    }

    /** The position of the row holding series tick {@code i}. */
    public int positionOf(int seriesIdx) {
        long row = series.rows[seriesIdx];
        int p = Arrays.binarySearch(rowIndex, row);
        if (p < 0) {
            throw new IllegalStateException("series tick " + seriesIdx + " (row " + row + ") is not among the symbol's rows");
        }
        return p;
    }
}
