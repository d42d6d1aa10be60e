package org.mambats.model.dataset;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.mambats.model.features.Horizon;
import org.mambats.model.features.HorizonTargets;
import org.mambats.model.features.Normalizer;
import org.mambats.model.features.TickFeatures;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.train.PinballLoss;
import org.mambats.model.train.TrainingSequence;

/**
 * Training and validation sequences cut from tick series by time: everything before the split time trains,
 * everything after validates. Normalisation, target scales and the reference tick interval are fitted on the
 * training part only, and each part's targets are computed from that part alone, so no validation price leaks
 * into training.
 */
public final class TrainingSet {
    /** Training ticks that precede each validation sequence with unknown targets, so its state starts warm. */
    public static final int VALIDATION_CONTEXT = 1024;

    public final List<TrainingSequence> train = new ArrayList<>();
    public final List<TrainingSequence> validation = new ArrayList<>();
    public final Normalizer normalizer;
    public final float[] targetScale;
    public final double dtReferenceSeconds;
    public final long splitTimeMillis;
    public final long firstTimeMillis;
    public final long lastTimeMillis;
    public final long trainTicks;
    public final long validationTicks;
    /** Per horizon and quantile, the training targets' empirical quantiles (normalised): the no-skill forecast. */
    public final float[] climatology;

    public TrainingSet(Collection<TickSeries> series, List<Horizon> horizons, float[] quantiles, double validationFraction,
                       boolean deltaTimeScaling) {
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
        double elapsedSum = 0;
        long elapsedCount = 0;
        int at = 0;
        List<float[]> trainTargets = new ArrayList<>();
        for (TickSeries p : trainParts) {
            System.arraycopy(p.rawFeatures, 0, raw, at * f, p.length * f);
            at += p.length;
            for (int i = 1; i < p.length; i++) {
                elapsedSum += p.elapsedSeconds[i];
                elapsedCount++;
            }
            trainTargets.add(HorizonTargets.compute(p.times, p.prices, horizons));
        }
        normalizer = Normalizer.fit(raw, n, f);
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

        long tt = 0;
        for (int k = 0; k < trainParts.size(); k++) {
            TickSeries p = trainParts.get(k);
            train.add(sequence(p, trainTargets.get(k), 0, horizons.size(), deltaTimeScaling));
            tt += p.length;
        }
        long vt = 0;
        for (TickSeries p : valParts) {
            float[] targets = HorizonTargets.compute(p.times, p.prices, horizons);
            int context = p.indexAtOrAfter(splitTimeMillis);
            validation.add(sequence(p, targets, context, horizons.size(), deltaTimeScaling));
            vt += p.length - context;
        }
        trainTicks = tt;
        validationTicks = vt;
    }

    private TrainingSequence sequence(TickSeries p, float[] targets, int context, int h, boolean deltaTimeScaling) {
        int f = TickFeatures.COUNT;
        float[] feats = p.rawFeatures.clone();
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
        return new TrainingSequence(p.length, feats, y, g);
    }

    /** Mean pinball loss (normalised units) of the no-skill forecast, the training targets' quantiles, on {@code seqs}. */
    public double climatologyLoss(List<TrainingSequence> seqs, float[] quantiles) {
        PinballLoss loss = new PinballLoss(quantiles);
        double sum = 0;
        long count = 0;
        for (TrainingSequence s : seqs) {
            int h = s.nHorizons();
            float[] q = new float[s.length() * climatology.length];
            for (int i = 0; i < s.length(); i++) {
                System.arraycopy(climatology, 0, q, i * climatology.length, climatology.length);
            }
            PinballLoss.Result r = loss.evaluate(q, s.targets(), h, null);
            sum += r.sum();
            count += r.count();
        }
        return count == 0 ? Double.NaN : sum / count;
    }
}
