package org.mambats.model.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mambats.model.dataset.SyntheticUniverse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./mamba-ts synth}: writes a synthetic daily universe whose best forecast is known (see {@link SyntheticUniverse}). */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = {"Write a synthetic universe of daily bars whose best forecast is known: a GARCH market factor times each "
                + "symbol's beta plus GARCH idiosyncratic returns, an AR(1) term on every other symbol, prices from 10 to 1,000, and "
                + "the market's volatility level quadrupling at --break-at of the days. For panel backtests and training on a universe."})
public class SynthCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "CSV to write (symbol,ts,price,size; ts a date).")
    Path out;
    @Option(names = "--symbols", defaultValue = "8", description = "Symbols (default ${DEFAULT-VALUE}).")
    int symbols;
    @Option(names = "--days", defaultValue = "2520", description = "Business days from 2000-01-03 (default ${DEFAULT-VALUE}, about ten years).")
    int days;
    @Option(names = "--break-at", defaultValue = "0.7", description = "Where the market's volatility regime changes, as a fraction "
            + "of the days (default ${DEFAULT-VALUE}; 1 for none).")
    double breakAt;
    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (!(breakAt >= 0 && breakAt <= 1)) {
            throw new IllegalArgumentException("--break-at must be in [0, 1], got " + breakAt);
        }
        SyntheticUniverse u = new SyntheticUniverse(symbols, days, breakAt, seed);
        u.writeCsv(out);
        System.err.printf("synth: %d symbols x %d days (%s to %s), volatility break on %s -> %s%n", symbols, days, u.dates[0],
                u.dates[days - 1], u.dates[Math.min(days - 1, (int) (breakAt * days))], out);
        for (int i = 0; i < symbols; i++) {
            System.err.printf("synth:   %s  beta %.2f  phi %.2f  first price %.2f%n", u.symbol(i), u.beta[i], u.phi[i], u.prices[i][0]);
        }
        return 0;
    }
}
