package org.mambats.model.tick;

import picocli.CommandLine.Option;

/**
 * The tick file a command reads and the symbol it keeps, declared once for {@code train}, {@code predict},
 * {@code backtest} and {@code publish} (a picocli mixin).
 */
public final class TickFileOptions {
    @Option(names = "--data", required = true,
            description = "Tick CSV: timestamp,price,amount (unix seconds) or symbol,ts,price,size[,bid,ask][,seq]; "
                    + "classpath:" + TickCsv.BITSTAMP_RESOURCE + " reads the shipped Bitstamp trades.")
    public String data;
    @Option(names = "--symbol", description = "Symbol for files without a symbol column (default " + TickCsv.DEFAULT_SYMBOL
            + "); in a file with several, this symbol alone (default: every symbol).")
    public String symbol;
}
