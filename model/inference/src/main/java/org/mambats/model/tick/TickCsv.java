package org.mambats.model.tick;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads ticks from CSV in the two formats the platform accepts, told apart by the header:
 * <ul>
 *   <li>{@code timestamp,price,amount}: unix seconds (the ta4j Bitstamp trades file); the symbol comes from the
 *       caller;</li>
 *   <li>{@code symbol,ts,price,size[,bid,ask][,seq]}: time as ISO-8601 (UTC when no offset is given) or epoch
 *       milliseconds; columns may come in any order.</li>
 *   <li>a {@code .json} file: bars in ta4j's JSON form, see {@link BarJson};</li>
 *   <li>bars, {@code date,open,high,low,close,volume} (the ta4j Apple file, most vendors' daily files): the close
 *       is the price, the volume the size, the date or date-time the time; {@code symbol} optional.</li>
 * </ul>
 * Column names are case-insensitive; the time may be {@code ts}, {@code timestamp}, {@code time}, {@code date} or
 * {@code datetime}, the price {@code price} or {@code close}, the size {@code size}, {@code amount}, {@code volume}
 * or {@code qty} (0 when there is none).
 * A row that cannot be parsed is reported with its reason, never dropped silently; value checks (a negative
 * price, a duplicate, ...) are {@link TickValidator}'s job.
 */
public final class TickCsv {
    /** The Bitstamp trades file shipped in org.ta4j:ta4j-examples, read from the class path. */
    public static final String BITSTAMP_RESOURCE = "bitstamp_trades_from_20131125_usd.csv";
    public static final String DEFAULT_SYMBOL = "BTCUSD";

    private TickCsv() {
    }

    private enum Format { UNIX_SECONDS, SYMBOL_TS }

    /**
     * Opens a tick file: a path on disk, or {@code classpath:NAME} for a resource (the Bitstamp file is
     * {@code classpath:bitstamp_trades_from_20131125_usd.csv}).
     */
    /** The symbol the rows of a file without a symbol column get: the one the user chose, else {@link #DEFAULT_SYMBOL}. */
    public static String defaultSymbol(String chosen) {
        return chosen == null ? DEFAULT_SYMBOL : chosen;
    }

    public static InputStream open(String location) throws IOException {
        if (location.startsWith("classpath:")) {
            String name = location.substring("classpath:".length());
            InputStream in = TickCsv.class.getClassLoader().getResourceAsStream(name);
            if (in == null) {
                throw new IOException("no resource " + name + " on the class path");
            }
            return in;
        }
        Path p = Path.of(location);
        if (!Files.isRegularFile(p)) {
            throw new IOException("tick file " + location + " does not exist");
        }
        return Files.newInputStream(p);
    }

    public static List<TickRow> readAll(String location, String defaultSymbol) throws IOException {
        List<TickRow> rows = new ArrayList<>();
        read(location, defaultSymbol, rows::add);
        return rows;
    }

    /** Streams every data row, in file order, to {@code sink}. */
    public static void read(String location, String defaultSymbol, Consumer<TickRow> sink) throws IOException {
        if (location.toLowerCase(Locale.ROOT).endsWith(".json")) {
            try (InputStream in = open(location)) {
                BarJson.read(in, location, defaultSymbol, sink);
            }
            return;
        }
        try (BufferedReader in = new BufferedReader(new InputStreamReader(open(location), StandardCharsets.UTF_8), 1 << 16)) {
            readCsv(in, location, defaultSymbol, sink);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The CSV rows of {@code in} (its header first), {@code location} naming it in errors. */
    static void readCsv(BufferedReader in, String location, String defaultSymbol, Consumer<TickRow> sink) throws IOException {
        String header = in.readLine();
        if (header == null) {
            throw new IOException(location + " is empty");
        }
        Map<String, Integer> cols = columns(header);
        Format format = detect(location, cols);
        Integer symbolCol = cols.get("symbol");
        int timeCol = firstOf(cols, TIME_COLUMNS);
        int priceCol = firstOf(cols, PRICE_COLUMNS);
        int sizeCol = hasAny(cols, SIZE_COLUMNS) ? firstOf(cols, SIZE_COLUMNS) : -1;
        Integer bidCol = cols.get("bid");
        Integer askCol = cols.get("ask");
        Integer seqCol = cols.get("seq");
        String line;
        long index = 0;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            sink.accept(parseRow(index++, line, format, symbolCol, timeCol, priceCol, sizeCol, bidCol, askCol, seqCol,
                    defaultSymbol));
        }
    }

    private static Map<String, Integer> columns(String header) {
        Map<String, Integer> cols = new HashMap<>();
        String[] names = header.split(",", -1);
        for (int i = 0; i < names.length; i++) {
            cols.put(names[i].trim().toLowerCase(Locale.ROOT).replace("\uFEFF", ""), i);
        }
        return cols;
    }

    private static final String[] TIME_COLUMNS = {"ts", "timestamp", "time", "date", "datetime"};
    private static final String[] PRICE_COLUMNS = {"price", "close"};
    private static final String[] SIZE_COLUMNS = {"size", "amount", "volume", "qty"};

    private static Format detect(String location, Map<String, Integer> cols) throws IOException {
        if (!hasAny(cols, TIME_COLUMNS) || !hasAny(cols, PRICE_COLUMNS)) {
            throw new IOException(location + ": header must be 'timestamp,price,amount', 'symbol,ts,price,size[,bid,ask][,seq]' "
                    + "or bars 'date,open,high,low,close,volume', got " + cols.keySet());
        }
        boolean unixSeconds = !cols.containsKey("symbol") && !cols.containsKey("ts") && !cols.containsKey("date")
                && !cols.containsKey("datetime");
        return unixSeconds ? Format.UNIX_SECONDS : Format.SYMBOL_TS;
    }

    private static boolean hasAny(Map<String, Integer> cols, String... names) {
        for (String n : names) {
            if (cols.containsKey(n)) {
                return true;
            }
        }
        return false;
    }

    private static int firstOf(Map<String, Integer> cols, String... names) {
        for (String n : names) {
            Integer i = cols.get(n);
            if (i != null) {
                return i;
            }
        }
        throw new IllegalStateException("no column among " + String.join(", ", names));
    }

    private static TickRow parseRow(long index, String line, Format format, Integer symbolCol, int timeCol, int priceCol,
                                    int sizeCol, Integer bidCol, Integer askCol, Integer seqCol, String defaultSymbol) {
        String[] f = line.split(",", -1);
        // A row too short to hold its time is a rejected row like any other, not the end of the file (found by
        // TickFileFuzzTest: a short row in a file whose time is not the first column stopped the whole read).
        String timeText = timeCol < f.length ? f[timeCol] : "";
        try {
            field(f, timeCol);
            String symbol = symbolCol == null ? defaultSymbol : field(f, symbolCol).trim();
            long millis = format == Format.UNIX_SECONDS ? parseUnixSeconds(timeText) : parseTime(timeText);
            double price = number(f, priceCol, "price");
            double size = sizeCol < 0 ? 0 : number(f, sizeCol, "size");
            double bid = optionalNumber(f, bidCol, "bid");
            double ask = optionalNumber(f, askCol, "ask");
            long seq = Tick.NO_SEQ;
            if (seqCol != null && !field(f, seqCol).isBlank()) {
                try {
                    seq = Long.parseLong(field(f, seqCol).trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("unparseable seq '" + field(f, seqCol) + "'");
                }
                if (seq < 0) {
                    throw new IllegalArgumentException("negative seq " + seq);
                }
            }
            return new TickRow(index, timeText, new Tick(symbol, millis, price, size, bid, ask, seq), null);
        } catch (IllegalArgumentException e) {
            return new TickRow(index, timeText, null, e.getMessage());
        }
    }

    private static String field(String[] f, int col) {
        if (col >= f.length) {
            throw new IllegalArgumentException("row has " + f.length + " fields, needs column " + (col + 1));
        }
        return f[col];
    }

    private static double number(String[] f, int col, String name) {
        String s = field(f, col).trim();
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unparseable " + name + " '" + s + "'");
        }
    }

    private static double optionalNumber(String[] f, Integer col, String name) {
        if (col == null || col >= f.length || f[col].isBlank()) {
            return Double.NaN;
        }
        double v = number(f, col, name);
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("non-finite " + name + " " + f[col].trim());
        }
        return v;
    }

    /** Unix seconds (the Bitstamp file), or an ISO-8601 time in a column named like one. */
    static long parseUnixSeconds(String text) {
        String s = text.trim();
        if (s.indexOf('-') > 0 || s.indexOf(':') > 0) {
            return TickTime.parse(s);
        }
        try {
            double seconds = Double.parseDouble(s);
            if (!Double.isFinite(seconds)) {
                throw new NumberFormatException();
            }
            return TickTime.numericEpochMillis(Math.round(seconds * 1000.0), "unix seconds");
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unparseable time '" + s + "' (expected unix seconds)");
        }
    }

    /** Epoch milliseconds (all digits, range-checked) or ISO-8601; see {@link TickTime#parse}. */
    public static long parseTime(String text) {
        return TickTime.parse(text);
    }
}
