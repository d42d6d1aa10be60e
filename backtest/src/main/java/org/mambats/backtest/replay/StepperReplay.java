package org.mambats.backtest.replay;

import java.io.IOException;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.forecast.ForecastStepper;
import org.mambats.model.forecast.SymbolState;
import org.mambats.model.tick.Tick;
import org.mambats.model.tick.TickValidator;

/**
 * Replays rows of history through {@link ForecastStepper#process}: the code the live operator and
 * {@code ./mamba-ts predict} run (validate, features, normalise, step, head), one tick at a time, with the state
 * created by {@link ForecastModel#newState()} at the first replayed row. Every replayed row reaches the stepper,
 * rejected and duplicate ones included, exactly as the stream would deliver them; nothing after a tick is looked at
 * before its forecast is made.
 */
public final class StepperReplay {
    private StepperReplay() {
    }

    /**
     * Receives the forecast of each accepted row from {@code recordFrom} on: the calibrated quantiles the stream
     * sends, and the model's own before calibration; both are the stepper's live buffers.
     */
    public interface Recorder {
        void record(int position, Tick tick, float[] quantiles, float[] modelQuantiles) throws IOException;
    }

    /** Called about every two seconds and at the end. */
    public interface Progress {
        void update(long done, long total, double seconds, boolean finished);
    }

    /** @param mix per horizon, the calibration's volatility mix at the end (see QuantileCalibrator) */
    public record Stats(long rows, long accepted, long duplicates, long rejected, long recorded, double seconds, double[] mix) {
        public double ticksPerSecond() {
            return rows / Math.max(seconds, 1e-9);
        }
    }

    /**
     * Replays rows {@code [from, to)} of {@code data} from a fresh state and hands the forecasts of accepted rows at
     * positions {@code >= recordFrom} to {@code recorder} (the rows before it only warm the state up).
     */
    public static Stats replay(ForecastModel model, MarketData data, int from, int to, int recordFrom, Recorder recorder,
                               Progress progress) throws IOException {
        ForecastStepper stepper = model.newStepper();
        SymbolState state = model.newState();
        long accepted = 0, duplicates = 0, rejected = 0, recorded = 0;
        long start = System.nanoTime();
        long lastReport = start;
        for (int p = from; p < to; p++) {
            Tick t = data.ticks[p];
            TickValidator.Verdict v = stepper.process(t, state);
            switch (v.outcome()) {
                case ACCEPT -> {
                    accepted++;
                    if (p >= recordFrom) {
                        recorder.record(p, t, stepper.quantiles(), stepper.modelQuantiles());
                        recorded++;
                    }
                }
                case DUPLICATE -> duplicates++;
                case REJECT -> rejected++;
            }
            if (progress != null && ((p - from) & 4095) == 4095) {
                long now = System.nanoTime();
                if (now - lastReport > 2_000_000_000L) {
                    lastReport = now;
                    progress.update(p + 1L - from, (long) to - from, (now - start) / 1e9, false);
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (progress != null) {
            progress.update((long) to - from, (long) to - from, seconds, true);
        }
        double[] mix = new double[model.horizons().size()];
        for (int h = 0; h < mix.length; h++) {
            mix[h] = state.calibration.mix(h);
        }
        return new Stats((long) to - from, accepted, duplicates, rejected, recorded, seconds, mix);
    }
}
