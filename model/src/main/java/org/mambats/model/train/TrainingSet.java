package org.mambats.model.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.features.Horizon;
import org.mambats.model.features.InputScale;
import org.mambats.model.features.HorizonTargets;
import org.mambats.model.features.Normalizer;
import org.mambats.model.features.TickFeatures;
import org.mambats.model.features.VolatilityScale;
import org.mambats.model.forecast.ForecastModel;

/**
 * Training and validation sequences cut from tick series by time: everything before the split time trains,
 * everything after validates. Normalisation, target scales and the reference tick interval are fitted on the
 * training part only, and each part's targets are computed from that part alone, so no validation price leaks
 * into training.
 *
 * <p><b>Several symbols</b> (a global model): each symbol is a sequence of its own, its targets in its own running
 * volatility and, by default, its inputs in its own scale ({@link InputScale#SYMBOL}). Pooling every tick equally
 * would let a busy symbol drown the quiet ones (a universe's most traded name can have a hundred times the ticks of
 * its least); weighting every symbol equally would let a symbol with a few noisy ticks count as much as one with many.
 * In between, each training tick of symbol s weighs {@code c / sqrt(N_s)} ({@code N_s} its training ticks, c so that
 * the mean weight per tick is 1): a symbol's total weight grows with the square root of its data. Validation (early
 * stopping, the guard) weighs every tick the same.
 */
public final class TrainingSet {
    /** Training ticks that precede each validation sequence with unknown targets, so its state starts warm. */
    public static final int VALIDATION_CONTEXT = 1024;

    public final List<TrainingSequence> train = new ArrayList<>();
    public final List<TrainingSequence> validation = new ArrayList<>();
    public final Normalizer normalizer;
    public final float[] targetScale;
    /** The training ticks' RMS of volatility_bps, the unit targets are divided by (see VolatilityScale); 0 = fixed. */
    public final double volatilityReferenceBps;
    public final double dtReferenceSeconds;
    public final long splitTimeMillis;
    public final long firstTimeMillis;
    public final long lastTimeMillis;
    public final long trainTicks;
    public final long validationTicks;
    /** Per horizon and quantile, the training targets' empirical quantiles (normalised): the no-skill forecast. */
    public final float[] climatology;
    /**
     * The forecast a model starts from and must beat: the climatology made symmetric around 0 (no change), see
     * {@link #symmetricAroundZero}. Per horizon and quantile, normalised: times the volatility scale, the
     * EWMA-volatility forecast with the training returns' spread. Neither the median nor the skew is taken from the
     * training window, whose drift over a few hundred bars is noise (a falling half-year would forecast a fall).
     */
    public final float[] baseline;
    /** What each symbol brought: its ticks on each side of the split, its time range and its training weight per tick. */
    public record SymbolPart(String symbol, long trainTicks, long validationTicks, long fromMillis, long toMillis, double weight) {
    }

    /** Per symbol, in the order given. */
    public final List<SymbolPart> symbols = new ArrayList<>();
    /** Which features the sequences hold (normalised): the ticks' own, or in each symbol's scale. */
    public final InputScale inputScale;

    public final List<Horizon> horizons;
    public final float[] quantiles;
    public final boolean deltaTimeScaling;

    /**
     * A checkpoint's settings with everything this set fixes: its horizons and quantiles, the target and feature
     * scales, the reference time step and volatility, and which features the model reads. The rest (name,
     * calibration, grace, ...) keep their defaults for the caller to set.
     */
    public ForecastModel.Settings checkpointSettings() {
        ForecastModel.Settings s = new ForecastModel.Settings();
        s.horizons = horizons;
        s.quantiles = quantiles.clone();
        s.targetScale = targetScale;
        s.featureMean = normalizer.mean();
        s.featureStd = normalizer.std();
        s.deltaTimeScaling = deltaTimeScaling;
        s.dtReferenceSeconds = dtReferenceSeconds;
        s.volatilityReferenceBps = volatilityReferenceBps;
        s.inputScale = inputScale;
        return s;
    }

    /** A set with volatility-scaled targets (the default, see {@link VolatilityScale}). */
    public TrainingSet(Collection<TickSeries> series, List<Horizon> horizons, float[] quantiles, double validationFraction,
                       boolean deltaTimeScaling) {
        this(series, horizons, quantiles, validationFraction, deltaTimeScaling, true);
    }

    /**
     * @param volatilityScaled divide each target by the symbol's running volatility at its tick (over the training
     *                         ticks' RMS of it) as well as by the horizon's scale; false for the fixed scale alone
     */
    public TrainingSet(Collection<TickSeries> series, List<Horizon> horizons, float[] quantiles, double validationFraction,
                       boolean deltaTimeScaling, boolean volatilityScaled) {
        this(series, horizons, quantiles, validationFraction, deltaTimeScaling, volatilityScaled, InputScale.SYMBOL);
    }

    /** @param inputScale which features the model reads (see {@link InputScale}) */
    public TrainingSet(Collection<TickSeries> series, List<Horizon> horizons, float[] quantiles, double validationFraction,
                       boolean deltaTimeScaling, boolean volatilityScaled, InputScale inputScale) {
        this.inputScale = inputScale;
        this.horizons = List.copyOf(horizons);
        this.quantiles = quantiles.clone();
        this.deltaTimeScaling = deltaTimeScaling;
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + validationFraction);
        }
        long first = Long.MAX_VALUE, last = Long.MIN_VALUE;
        for (TickSeries s : series) {
            if (s.length > 0) {
                first = Math.min(first, s.times[0]);
                last = Math.max(last, s.times[s.length - 1]);
            }
        }
        if (first == Long.MAX_VALUE) {
            throw new IllegalArgumentException("no accepted ticks to train on");
        }
        firstTimeMillis = first;
        lastTimeMillis = last;
        splitTimeMillis = validationFraction == 0 ? last + 1 : first + (long) ((1 - validationFraction) * (last - first));
        int f = TickFeatures.COUNT, h = horizons.size();

        List<TickSeries> trainParts = new ArrayList<>(), valParts = new ArrayList<>();
        for (TickSeries s : series) {
            int cut = s.indexAtOrAfter(splitTimeMillis);
            if (cut > 1) {
                trainParts.add(s.slice(0, cut));
            }
            if (s.length - cut > 1) {
                valParts.add(s.slice(Math.max(0, cut - VALIDATION_CONTEXT), s.length));
            }
        }
        if (trainParts.isEmpty()) {
            throw new IllegalArgumentException("the training part before the split is empty");
        }

        // Fit normalisation, elapsed-time reference and target scale on training ticks only.
        int n = trainParts.stream().mapToInt(p -> p.length).sum();
        float[] raw = new float[n * f];
        float[] inputs = new float[n * f];
        double elapsedSum = 0;
        long elapsedCount = 0;
        int at = 0;
        List<float[]> trainTargets = new ArrayList<>();
        for (TickSeries p : trainParts) {
            System.arraycopy(p.rawFeatures, 0, raw, at * f, p.length * f);
            System.arraycopy(p.features(inputScale), 0, inputs, at * f, p.length * f);
            at += p.length;
            for (int i = 1; i < p.length; i++) {
                elapsedSum += p.elapsedSeconds[i];
                elapsedCount++;
            }
            trainTargets.add(HorizonTargets.compute(p.times, p.prices, horizons));
        }
        normalizer = Normalizer.fit(inputs, n, f);
        double volSquares = 0;
        for (int i = 0; i < n; i++) {
            double v = raw[i * f + VolatilityScale.FEATURE];
            volSquares += v * v;
        }
        volatilityReferenceBps = volatilityScaled && n > 0 && volSquares > 0 ? Math.sqrt(volSquares / n) : 0;
        for (int k = 0; k < trainParts.size(); k++) {
            divideByVolatility(trainParts.get(k), trainTargets.get(k), h);
        }
        dtReferenceSeconds = elapsedCount == 0 || elapsedSum <= 0 ? 1.0 : elapsedSum / elapsedCount;
        targetScale = new float[h];
        climatology = new float[h * quantiles.length];
        for (int j = 0; j < h; j++) {
            List<Float> values = new ArrayList<>();
            for (float[] t : trainTargets) {
                for (int i = j; i < t.length; i += h) {
                    if (Float.isFinite(t[i])) {
                        values.add(t[i]);
                    }
                }
            }
            double ss = 0;
            for (float v : values) {
                ss += (double) v * v;
            }
            double rms = values.isEmpty() ? 0 : Math.sqrt(ss / values.size());
            targetScale[j] = rms > 1e-12 ? (float) rms : 1e-4f;
            float[] sorted = new float[values.size()];
            for (int i = 0; i < sorted.length; i++) {
                sorted[i] = values.get(i) / targetScale[j];
            }
            Arrays.sort(sorted);
            for (int q = 0; q < quantiles.length; q++) {
                climatology[j * quantiles.length + q] = sorted.length == 0 ? 0
                        : sorted[Math.min(sorted.length - 1, (int) Math.floor(quantiles[q] * sorted.length))];
            }
        }

        baseline = symmetricAroundZero(climatology, quantiles, h);

        long tt = 0;
        double sqrtSum = 0;
        for (TickSeries p : trainParts) {
            sqrtSum += Math.sqrt(p.length);
        }
        java.util.Map<String, Float> weightOf = new java.util.HashMap<>();
        for (int k = 0; k < trainParts.size(); k++) {
            TickSeries p = trainParts.get(k);
            // Symbols weighted by the square root of their tick counts (see symbolWeight), a mean weight of 1 per tick.
            float weight = trainParts.size() == 1 ? 1f : (float) (n / sqrtSum / Math.sqrt(p.length));
            train.add(sequence(p, trainTargets.get(k), 0, horizons.size(), deltaTimeScaling, weight));
            weightOf.put(p.symbol, weight);
            tt += p.length;
        }
        long vt = 0;
        for (TickSeries p : valParts) {
            float[] targets = HorizonTargets.compute(p.times, p.prices, horizons);
            divideByVolatility(p, targets, h);
            int context = p.indexAtOrAfter(splitTimeMillis);
            validation.add(sequence(p, targets, context, horizons.size(), deltaTimeScaling, 1f));
            vt += p.length - context;
        }
        trainTicks = tt;
        validationTicks = vt;
        for (TickSeries p : series) {
            if (p.length > 0) {
                int cut = p.indexAtOrAfter(splitTimeMillis);
                symbols.add(new SymbolPart(p.symbol, cut, p.length - cut, p.times[0], p.times[p.length - 1], weightOf.getOrDefault(p.symbol, 0f)));
            }
        }
    }

    /**
     * The climatology with no drift: per horizon, level tau gets half the distance between the climatology's tau
     * and 1 - tau quantiles (signed), so the median is 0 and the band symmetric. A level without its mirror among
     * the levels is shifted by the climatology's median (or kept, without a 0.5 level).
     */
    public static float[] symmetricAroundZero(float[] climatology, float[] quantiles, int horizons) {
        int nq = quantiles.length;
        float[] out = climatology.clone();
        int medianLevel = -1;
        for (int q = 0; q < nq; q++) {
            if (quantiles[q] == 0.5f) {
                medianLevel = q;
            }
        }
        for (int j = 0; j < horizons; j++) {
            int base = j * nq;
            float median = medianLevel >= 0 ? climatology[base + medianLevel] : 0;
            for (int q = 0; q < nq; q++) {
                int mirror = -1;
                for (int r = 0; r < nq; r++) {
                    if (Math.abs(quantiles[r] - (1 - quantiles[q])) < 1e-6f) {
                        mirror = r;
                    }
                }
                out[base + q] = mirror >= 0 ? 0.5f * (climatology[base + q] - climatology[base + mirror])
                        : climatology[base + q] - median;
            }
        }
        return out;
    }

    /** Tick i of p's volatility ratio: what its targets are divided by besides the horizon's scale. */
    public float volatilityRatio(TickSeries p, int i) {
        return VolatilityScale.ratio(p.rawFeatures[i * TickFeatures.COUNT + VolatilityScale.FEATURE], volatilityReferenceBps);
    }

    /** Divides each tick's targets by its volatility ratio, as the stepper multiplies its quantiles by it. */
    private void divideByVolatility(TickSeries p, float[] targets, int h) {
        for (int i = 0; i < p.length; i++) {
            float ratio = volatilityRatio(p, i);
            for (int j = 0; j < h; j++) {
                targets[i * h + j] /= ratio;
            }
        }
    }

    private TrainingSequence sequence(TickSeries p, float[] targets, int context, int h, boolean deltaTimeScaling, float weight) {
        int f = TickFeatures.COUNT;
        float[] feats = p.features(inputScale).clone();
        for (int i = 0; i < p.length; i++) {
            normalizer.apply(feats, i * f);
        }
        float[] y = targets.clone();
        for (int i = 0; i < y.length; i++) {
            y[i] = i / h < context ? Float.NaN : y[i] / targetScale[i % h];
        }
        float[] g = null;
        if (deltaTimeScaling) {
            g = new float[p.length];
            for (int i = 0; i < p.length; i++) {
                g[i] = ForecastModel.deltaScale(true, dtReferenceSeconds, p.elapsedSeconds[i]);
            }
        }
        return new TrainingSequence(p.length, feats, y, g, weight);
    }

    /** Mean pinball loss (normalised units) of the no-skill forecast, the training targets' quantiles, on {@code seqs}. */
    public double climatologyLoss(List<TrainingSequence> seqs, float[] quantiles) {
        return loss(climatology, seqs, quantiles);
    }

    /** {@code seqs} with every target but horizon {@code h}'s unknown (NaN): to score one horizon alone. */
    public static List<TrainingSequence> onlyHorizon(List<TrainingSequence> seqs, int h) {
        List<TrainingSequence> out = new ArrayList<>();
        for (TrainingSequence s : seqs) {
            float[] y = s.targets().clone();
            int hs = s.nHorizons();
            for (int i = 0; i < y.length; i++) {
                if (i % hs != h) {
                    y[i] = Float.NaN;
                }
            }
            out.add(new TrainingSequence(s.length(), s.features(), y, s.deltaScale(), s.weight()));
        }
        return out;
    }

    /** Mean pinball loss (normalised units) of {@link #baseline} on {@code seqs}. */
    public double baselineLoss(List<TrainingSequence> seqs, float[] quantiles) {
        return loss(baseline, seqs, quantiles);
    }

    /** Per sequence and tick, the loss of {@link #baseline} (as {@link PinballLoss#perTick} sums it). */
    public double[][] baselinePerTick(List<TrainingSequence> seqs, float[] quantiles) {
        PinballLoss loss = new PinballLoss(quantiles);
        double[][] out = new double[seqs.size()][];
        for (int i = 0; i < seqs.size(); i++) {
            TrainingSequence s = seqs.get(i);
            float[] q = new float[s.length() * baseline.length];
            for (int t = 0; t < s.length(); t++) {
                System.arraycopy(baseline, 0, q, t * baseline.length, baseline.length);
            }
            out[i] = new double[s.length()];
            loss.perTick(q, s.targets(), s.nHorizons(), s.length(), out[i], 0);
        }
        return out;
    }

    /**
     * How many ticks the longest horizon spans: its tick count, or for a time horizon its length over the training
     * ticks' mean spacing. Outcomes closer together than this overlap.
     */
    public int longestHorizonTicks(List<Horizon> horizons) {
        double most = 1;
        for (Horizon hz : horizons) {
            most = Math.max(most, hz.inTicks() ? hz.amount() : hz.millis() / 1000.0 / dtReferenceSeconds);
        }
        return (int) Math.min(1 << 20, Math.ceil(most));
    }

    private static double loss(float[] forecast, List<TrainingSequence> seqs, float[] quantiles) {
        PinballLoss loss = new PinballLoss(quantiles);
        double sum = 0;
        long count = 0;
        for (TrainingSequence s : seqs) {
            int h = s.nHorizons();
            float[] q = new float[s.length() * forecast.length];
            for (int i = 0; i < s.length(); i++) {
                System.arraycopy(forecast, 0, q, i * forecast.length, forecast.length);
            }
            PinballLoss.Result r = loss.evaluate(q, s.targets(), h, null);
            sum += r.sum();
            count += r.count();
        }
        return count == 0 ? Double.NaN : sum / count;
    }
}
