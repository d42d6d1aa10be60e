package org.mambats.model.dataset;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.util.SplittableRandom;

/**
 * A universe of daily bars whose best forecast is known, for panel backtests: every symbol's log return is a
 * market factor's times the symbol's beta plus an idiosyncratic part, each with GARCH(1,1) volatility, and half of
 * the symbols (the odd ones) also carry an AR(1) term on their own previous return. Prices start anywhere from 10 to
 * 1,000 and the symbols' volatilities differ by up to four times, so one model has to serve several scales. At
 * {@code breakFraction} of the days the market's volatility level quadruples (its GARCH constant times 16): a regime
 * break between the training and the test windows of a walk-forward.
 *
 * <p>Given everything up to day t, the return of day t+1 is Gaussian with mean {@code phi_i r_i,t} and variance
 * {@code beta_i^2 h_m,t+1 + h_i,t+1}, both GARCH variances known at t: {@link #oracleQuantile}.
 */
public final class SyntheticUniverse {
    public final int symbols;
    public final int days;
    public final LocalDate[] dates;
    /** [symbol][day] */
    public final double[][] prices;
    public final double[][] returns;
    public final double[][] volumes;
    /** [symbol][day]: the conditional variance of day t's return, known at day t-1. */
    public final double[][] variance;
    public final double[] beta;
    public final double[] phi;

    /** GARCH(1,1): h_t = omega + alpha e_{t-1}^2 + beta h_{t-1}, daily; unconditional vol about 1% for the market. */
    private static final double ALPHA = 0.08, PERSISTENCE = 0.90;

    public SyntheticUniverse(int symbols, int days, double breakFraction, long seed) {
        if (symbols < 1 || days < 2) {
            throw new IllegalArgumentException("need at least 1 symbol and 2 days, got " + symbols + " and " + days);
        }
        this.symbols = symbols;
        this.days = days;
        SplittableRandom rnd = new SplittableRandom(seed);
        dates = new LocalDate[days];
        LocalDate d = LocalDate.of(2000, 1, 3);
        for (int t = 0; t < days; t++) {
            while (d.getDayOfWeek() == DayOfWeek.SATURDAY || d.getDayOfWeek() == DayOfWeek.SUNDAY) {
                d = d.plusDays(1);
            }
            dates[t] = d;
            d = d.plusDays(1);
        }
        prices = new double[symbols][days];
        returns = new double[symbols][days];
        volumes = new double[symbols][days];
        variance = new double[symbols][days];
        beta = new double[symbols];
        phi = new double[symbols];
        double[] idioLevel = new double[symbols];
        double[] h = new double[symbols];
        double[] e = new double[symbols];
        double[] meanVolume = new double[symbols];
        for (int i = 0; i < symbols; i++) {
            beta[i] = 0.6 + 0.8 * rnd.nextDouble();
            phi[i] = i % 2 == 1 ? 0.15 : 0.0;
            double vol = 0.006 * (1 + 3 * rnd.nextDouble()); // idiosyncratic daily vol 0.6% to 2.4%
            idioLevel[i] = vol * vol * (1 - ALPHA - PERSISTENCE);
            h[i] = vol * vol;
            prices[i][0] = Math.exp(Math.log(10) + rnd.nextDouble() * Math.log(100));
            meanVolume[i] = Math.exp(10 + 6 * rnd.nextDouble());
        }
        double marketLevel = 1e-4 * (1 - ALPHA - PERSISTENCE);
        double hm = 1e-4, em = 0;
        int breakDay = (int) (breakFraction * days);
        for (int t = 0; t < days; t++) {
            if (t > 0) {
                double omega = t >= breakDay ? 16 * marketLevel : marketLevel;
                hm = omega + ALPHA * em * em + PERSISTENCE * hm;
            }
            em = t == 0 ? 0 : Math.sqrt(hm) * rnd.nextGaussian();
            for (int i = 0; i < symbols; i++) {
                if (t > 0) {
                    h[i] = idioLevel[i] + ALPHA * e[i] * e[i] + PERSISTENCE * h[i];
                }
                variance[i][t] = beta[i] * beta[i] * hm + h[i];
                e[i] = t == 0 ? 0 : Math.sqrt(h[i]) * rnd.nextGaussian();
                double r = t == 0 ? 0 : phi[i] * returns[i][t - 1] + beta[i] * em + e[i];
                returns[i][t] = r;
                if (t > 0) {
                    prices[i][t] = prices[i][t - 1] * Math.exp(r);
                }
                volumes[i][t] = Math.round(meanVolume[i] * Math.exp(0.5 * rnd.nextGaussian() + 20 * Math.abs(r)));
            }
        }
    }

    public String symbol(int i) {
        return String.format("S%02d", i);
    }

    /** The q-quantile of the best forecast, made at day t, of symbol i's return from day t to t+1. */
    public double oracleQuantile(int i, int t, double q) {
        return phi[i] * returns[i][t] + Math.sqrt(variance[i][t + 1]) * SyntheticTicks.inverseNormal(q);
    }

    /** Writes {@code symbol,ts,price,size} rows, day by day, every symbol's bar of a day together. */
    public void writeCsv(Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("symbol,ts,price,size\n");
            for (int t = 0; t < days; t++) {
                for (int i = 0; i < symbols; i++) {
                    w.write(symbol(i) + "," + dates[t] + "," + prices[i][t] + "," + (long) volumes[i][t] + "\n");
                }
            }
        }
    }
}
