package org.mambats.backtest.metrics;

/** Trading ratios, written out (and tested against worked examples). */
public final class Ratios {
    private Ratios() {
    }

    /**
     * Returns of fixed-length bars: the equity at the end of each bar (the value at the last tick at or before the
     * bar's end; bars start at the first tick) over the previous bar's; the last, partial bar included.
     */
    public static double[] barReturns(long[] times, double[] equity, long barMillis) {
        if (times.length == 0) {
            return new double[0];
        }
        long start = times[0];
        int bars = (int) ((times[times.length - 1] - start) / barMillis) + 1;
        double[] out = new double[bars];
        double prev = equity[0];
        int k = 0;
        for (int b = 0; b < bars; b++) {
            long end = start + (b + 1) * barMillis;
            while (k + 1 < times.length && times[k + 1] < end) {
                k++;
            }
            if (b == bars - 1) {
                k = times.length - 1;
            }
            out[b] = equity[k] / prev - 1;
            prev = equity[k];
        }
        return out;
    }

    /** Annualised Sharpe ratio (zero risk-free rate): mean / sample standard deviation * sqrt(periods per year). */
    public static double sharpe(double[] r, double periodsPerYear) {
        int n = r.length;
        if (n < 2) {
            return Double.NaN;
        }
        double mean = mean(r), ss = 0;
        for (double v : r) {
            ss += (v - mean) * (v - mean);
        }
        double sd = Math.sqrt(ss / (n - 1));
        return sd > 0 ? mean / sd * Math.sqrt(periodsPerYear) : Double.NaN;
    }

    /**
     * Standard error of {@link #sharpe}, annualised the same way, from Mertens (2002): the variance of a Sharpe
     * ratio estimated from n returns is {@code (1 - skew * SR + (kurtosis - 1) / 4 * SR^2) / n} for the per-period
     * ratio SR, which is Lo's {@code (1 + SR^2 / 2) / n} for normal returns; a trading rule's bar returns are far
     * from normal (many flat bars, a few large ones). For short bars the per-bar SR is small and the error is close
     * to {@code sqrt(bars per year / n) = 1 / sqrt(years)} either way: a Sharpe ratio measured over two weeks is
     * known to within about +-10. Returns are taken as independent from bar to bar; serially correlated returns
     * would widen it further. A 95% interval is {@code sharpe +- 1.96 * this}.
     */
    public static double sharpeStandardError(double[] r, double periodsPerYear) {
        int n = r.length;
        if (n < 2) {
            return Double.NaN;
        }
        double mean = mean(r), m2 = 0, m3 = 0, m4 = 0;
        for (double v : r) {
            double d = v - mean;
            m2 += d * d;
            m3 += d * d * d;
            m4 += d * d * d * d;
        }
        m2 /= n;
        m3 /= n;
        m4 /= n;
        if (!(m2 > 0)) {
            return Double.NaN;
        }
        double skew = m3 / Math.pow(m2, 1.5), kurtosis = m4 / (m2 * m2);
        double sr = mean / Math.sqrt(m2 * n / (n - 1)); // per period, with the sample sd as in sharpe()
        double variance = (1 - skew * sr + (kurtosis - 1) / 4 * sr * sr) / n;
        return Math.sqrt(Math.max(0, variance) * periodsPerYear);
    }

    /**
     * Annualised Sortino ratio (target 0): mean / downside deviation * sqrt(periods per year), the downside
     * deviation being {@code sqrt(sum(min(r, 0)^2) / n)} over all n periods.
     */
    public static double sortino(double[] r, double periodsPerYear) {
        int n = r.length;
        if (n < 2) {
            return Double.NaN;
        }
        double ss = 0;
        for (double v : r) {
            if (v < 0) {
                ss += v * v;
            }
        }
        double dd = Math.sqrt(ss / n);
        return dd > 0 ? mean(r) / dd * Math.sqrt(periodsPerYear) : Double.NaN;
    }

    static double mean(double[] r) {
        double s = 0;
        for (double v : r) {
            s += v;
        }
        return s / r.length;
    }
}
