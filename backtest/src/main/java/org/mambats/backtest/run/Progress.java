package org.mambats.backtest.run;

import java.util.Locale;
import java.util.function.Consumer;
import org.mambats.backtest.replay.StepperReplay;

/** A run's progress lines, from any worker thread: each line is handed on whole, one at a time. */
final class Progress {
    private final Consumer<String> out;

    Progress(Consumer<String> out) {
        this.out = out == null ? s -> { } : out;
    }

    synchronized void line(String s) {
        out.accept(s);
    }

    void say(String format, Object... args) {
        line(String.format(Locale.ROOT, format, args));
    }

    /** A replay's progress, about every two seconds. */
    StepperReplay.Progress replayProgress(String tag) {
        return (done, total, seconds, finished) -> {
            if (!finished) {
                say("%s: %,d/%,d rows, %,.0f ticks/s", tag, done, total, done / Math.max(seconds, 1e-9));
            }
        };
    }
}
