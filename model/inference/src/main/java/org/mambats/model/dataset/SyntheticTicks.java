package org.mambats.model.dataset;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Synthetic ticks whose returns are predictable in a known way, to check that training learns what can be
 * learned: log returns follow an AR(1), r_t = phi r_{t-1} + sigma_t e_t with Gaussian e_t, and sigma_t switches
 * between a calm and a volatile regime (a Markov chain that stays put with probability {@code stay}). Ticks arrive
 * every {@code stepMillis}.
 *
 * <p>The best possible forecast of the next return, given the past, is Gaussian with mean phi r_t and standard
 * deviation sigma_{t+1}, and sigma_{t+1} = sigma_t except at a regime switch: {@link #oracleQuantile} gives it.
 */
public final class SyntheticTicks {
    public final double phi;
    public final double calmSigma;
    public final double volatileSigma;
    public final double stay;
    public final long[] times;
    public final double[] prices;
    public final double[] returns;
    public final double[] sigma;

    public SyntheticTicks(int n, double phi, double calmSigma, double volatileSigma, double stay, long stepMillis, long seed) {
        this.phi = phi;
        this.calmSigma = calmSigma;
        this.volatileSigma = volatileSigma;
        this.stay = stay;
        SplittableRandom rnd = new SplittableRandom(seed);
        times = new long[n];
        prices = new double[n];
        returns = new double[n];
        sigma = new double[n];
        boolean calm = true;
        double p = 100.0;
        double r = 0;
        long t0 = 1_700_000_000_000L;
        for (int i = 0; i < n; i++) {
            if (i > 0 && rnd.nextDouble() > stay) {
                calm = !calm;
            }
            sigma[i] = calm ? calmSigma : volatileSigma;
            r = i == 0 ? 0 : phi * r + sigma[i] * rnd.nextGaussian();
            p = i == 0 ? p : p * Math.exp(r);
            returns[i] = r;
            prices[i] = p;
            times[i] = t0 + i * stepMillis;
        }
    }

    /** The q-quantile of the best forecast, made at tick i, of the return from i to i+1. */
    public double oracleQuantile(int i, double q) {
        return phi * returns[i] + sigma[i] * inverseNormal(q);
    }

    /** Writes the ticks as {@code symbol,ts,price,size} CSV (epoch millis). */
    public void writeCsv(Path file, String symbol) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("symbol,ts,price,size\n");
            for (int i = 0; i < prices.length; i++) {
                w.write(symbol + "," + times[i] + "," + prices[i] + ",1\n");
            }
        }
    }

    /** The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
    public static double inverseNormal(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("probability must be in (0, 1), got " + p);
        }
        double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
                -3.066479806614716e+01, 2.506628277459239e+00};
        double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
                -1.328068155288572e+01};
        double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
                4.374664141464968e+00, 2.938163982698783e+00};
        double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
        double low = 0.02425;
        if (p < low) {
            double q = Math.sqrt(-2 * Math.log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                    / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - low) {
            return -inverseNormal(1 - p);
        }
        double q = p - 0.5;
        double r = q * q;
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
}
