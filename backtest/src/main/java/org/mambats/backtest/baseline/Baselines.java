package org.mambats.backtest.baseline;

import java.util.List;
import java.util.function.Consumer;

/** The baselines by name, in the order they are reported. */
public final class Baselines {
    public static final List<String> NAMES = List.of(NoChangeBaseline.NAME, EwmaBaseline.NAME, ArBaseline.NAME, LstmBaseline.NAME);

    private Baselines() {
    }

    public static Baseline create(String name, int lstmHidden, int lstmEpochs, int lstmWindow, int lstmBlock, Consumer<String> progress) {
        return switch (name) {
            case NoChangeBaseline.NAME -> new NoChangeBaseline();
            case EwmaBaseline.NAME -> new EwmaBaseline();
            case ArBaseline.NAME -> new ArBaseline();
            case LstmBaseline.NAME -> new LstmBaseline(lstmHidden, lstmEpochs, lstmWindow, 32, 5e-3, lstmBlock, progress);
            default -> throw new IllegalArgumentException("unknown baseline '" + name + "'; known: " + NAMES);
        };
    }
}
