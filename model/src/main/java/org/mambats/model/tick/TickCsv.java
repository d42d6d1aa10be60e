package org.mambats.model.tick;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
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
 * </ul>
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
        try (BufferedReader in = new BufferedReader(new InputStreamReader(open(location), StandardCharsets.UTF_8), 1 << 16)) {
            String header = in.readLine();
            if (header == null) {
                throw new IOException(location + " is empty");
            }
            Map<String, Integer> cols = columns(header);
            Format format = detect(location, cols);
            Integer symbolCol = cols.get("symbol");
            int timeCol = firstOf(cols, "ts", "timestamp", "time");
            int priceCol = cols.get("price");
            int sizeCol = firstOf(cols, "size", "amount", "volume", "qty");
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
        } catch (UncheckedIOException e) {
            throw e.getCause();
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

    private static Format detect(String location, Map<String, Integer> cols) throws IOException {
        boolean hasTime = cols.containsKey("ts") || cols.containsKey("timestamp") || cols.containsKey("time");
        boolean hasSize = cols.containsKey("size") || cols.containsKey("amount") || cols.containsKey("volume") || cols.containsKey("qty");
        if (!hasTime || !cols.containsKey("price") || !hasSize) {
            throw new IOException(location + ": header must be 'timestamp,price,amount' or 'symbol,ts,price,size[,bid,ask][,seq]', got "
                    + cols.keySet());
        }
        return cols.containsKey("symbol") || cols.containsKey("ts") ? Format.SYMBOL_TS : Format.UNIX_SECONDS;
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
        String timeText = field(f, timeCol);
        try {
            String symbol = symbolCol == null ? defaultSymbol : field(f, symbolCol).trim();
            long millis = format == Format.UNIX_SECONDS ? parseUnixSeconds(timeText) : parseTime(timeText);
            double price = number(f, priceCol, "price");
            double size = number(f, sizeCol, "size");
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

    static long parseUnixSeconds(String text) {
        String s = text.trim();
        try {
            double seconds = Double.parseDouble(s);
            if (!Double.isFinite(seconds)) {
                throw new NumberFormatException();
            }
            return Math.round(seconds * 1000.0);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unparseable time '" + s + "' (expected unix seconds)");
        }
    }

    /** Epoch milliseconds (all digits) or ISO-8601; a time without an offset is taken as UTC. */
    public static long parseTime(String text) {
        String s = text.trim();
        if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("unparseable time '" + s + "'");
            }
        }
        try {
            return Instant.parse(s).toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try the other ISO forms below
        }
        try {
            return OffsetDateTime.parse(s).toInstant().toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try a local date-time
        }
        try {
            return LocalDateTime.parse(s.replace(' ', 'T')).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("unparseable time '" + s + "' (expected ISO-8601 or epoch milliseconds)");
        }
    }
}
