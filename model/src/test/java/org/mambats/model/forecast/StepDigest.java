package org.mambats.model.forecast;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.mambats.model.dataset.SyntheticTicks;
import org.mambats.model.tick.Tick;

/**
 * Runs synthetic ticks through {@link ForecastStepper} and prints the SHA-256 of every forecast and of the final
 * state: one line that says whether two JVMs (say, with different vector widths) computed the same bits.
 * {@code java StepDigest CHECKPOINT_DIR}.
 */
public final class StepDigest {
    private StepDigest() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println(digest(ForecastModel.load(Path.of(args[0])), 3_000));
    }

    static String digest(ForecastModel model, int ticks) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        SyntheticTicks s = new SyntheticTicks(ticks, 0.3, 1e-4, 3e-4, 0.99, 700, 17);
        ForecastStepper stepper = model.newStepper();
        SymbolState state = model.newState();
        ByteBuffer b = ByteBuffer.allocate(4 * model.nOutputs());
        for (int i = 0; i < ticks; i++) {
            if (stepper.process(Tick.trade("X", s.times[i], s.prices[i], 0.5 + i % 5, i), state).accepted()) {
                b.clear();
                for (float q : stepper.quantiles()) {
                    b.putFloat(q);
                }
                sha.update(b.array());
            }
        }
        sha.update(state.toBytes());
        return HexFormat.of().formatHex(sha.digest());
    }
}
