package org.mambats.model.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mambats.model.tick.RowCounts;
import org.mambats.model.tick.TickFileOptions;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.train.TrainingSet;
import org.mambats.model.train.TrainingListener;
import org.mambats.model.train.DataDefaults;
import org.mambats.model.train.TrainingRecipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./mamba-ts train}: fits a forecaster on a CSV of ticks and writes a checkpoint. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train the Mamba forecaster on ticks (quantiles of future log returns per horizon) and write a checkpoint "
                + "that ./mamba-ts predict, stream and backtest serve.")
public class TrainCommand implements Callable<Integer> {
    @Mixin
    TickFileOptions file = new TickFileOptions();
    @Option(names = "--out", required = true, description = "Checkpoint directory to write.")
    Path out;
    @Option(names = "--symbols", split = ",", description = "Train one global model on these symbols of the file (default: every "
            + "symbol), each in its own scale, weighted by the square root of its ticks.")
    java.util.List<String> symbols;
    @Mixin
    TrainingOptions training = new TrainingOptions();

    /** What these options train. */
    public TrainingRecipe recipe() {
        return training.recipe();
    }

    @Override
    public Integer call() throws Exception {
        TrainingRecipe recipe = recipe();
        String missing = TrainingRecipe.missingDashboardLevels(recipe.quantiles);
        if (missing != null) {
            System.err.println("train: warning: the quantiles lack " + missing + ". Streaming and backtests work with any levels, but "
                    + "the database's q10/q50/q90 columns, its forecast-error views and the dashboard's band and tables use 0.1, 0.5 "
                    + "and 0.9: add them (other levels may go alongside).");
        }
        System.err.println("train: reading " + file.data + " ...");
        DataDefaults.Profile profile = DataDefaults.scan(file.data, file.symbol);
        DataDefaults.apply(recipe, profile, (long) (profile.rows() * (1 - recipe.validationFraction)))
                .forEach(l -> System.err.println("train: " + l));
        RowCounts counts = new RowCounts();
        if (file.symbol != null && symbols != null) {
            throw new IllegalArgumentException("give --symbol (one) or --symbols (several), not both");
        }
        Map<String, TickSeries> series = TickSeries.read(file.data, file.symbol, recipe.volHalfLife, recipe.graceMillis, counts);
        if (symbols != null) {
            java.util.List<String> absent = symbols.stream().filter(x -> !series.containsKey(x)).toList();
            if (!absent.isEmpty()) {
                throw new IllegalArgumentException(file.data + ": no accepted ticks of " + absent + "; the file holds " + series.keySet());
            }
            series.keySet().retainAll(symbols);
        }
        System.err.println("train: " + counts + "; symbols " + series.keySet());
        counts.reasons.lines().forEach(l -> System.err.println("train:   " + l));
        TrainingSet set = recipe.trainingSet(series.values());
        System.err.printf(Locale.ROOT, "train: %d training ticks before %s, %d validation ticks after%n",
                set.trainTicks, Instant.ofEpochMilli(set.splitTimeMillis), set.validationTicks);
        if (set.symbols.size() > 1) {
            for (TrainingSet.SymbolPart p : set.symbols) {
                System.err.printf(Locale.ROOT, "train:   %s: %,d training ticks, %,d validation, %s to %s, weight %.3f per tick%n", p.symbol(),
                        p.trainTicks(), p.validationTicks(), Instant.ofEpochMilli(p.fromMillis()), Instant.ofEpochMilli(p.toMillis()), p.weight());
            }
        }

        ObjectNode provenance = JsonNodeFactory.instance.objectNode();
        provenance.put("created_by", "train");
        provenance.put("data", file.data);
        provenance.putArray("symbols").addAll(series.keySet().stream().map(JsonNodeFactory.instance::textNode).toList());
        provenance.put("rows", counts.rows).put("accepted", counts.accepted).put("duplicates", counts.duplicates)
                .put("rejected", counts.rejected).put("unparseable", counts.unparseable);
        TrainingRecipe.Fitted fitted = recipe.fitAndSave(set, out, new Progress(recipe), provenance);
        System.err.printf(Locale.ROOT, "train: %d epochs (best %d) in %.0f s -> %s%n", fitted.fit().epochsRun(), fitted.fit().bestEpoch() + 1,
                fitted.seconds(), out);
        if (!Double.isNaN(fitted.validationPinball())) {
            System.err.printf(Locale.ROOT, "train: validation pinball loss %.4f vs %.4f for the EWMA-volatility baseline "
                            + "(the training targets' spread in volatility units, centred on no change)%n", fitted.validationPinball(), fitted.noSkillPinball());
        }
        if (fitted.guard() != null) {
            System.err.println("train: " + fitted.guard());
        }
        System.err.println("train: the model " + fitted.verdict());
        return 0;
    }

    /** Prints a progress line at most every two seconds, and a summary per epoch. */
    private static final class Progress implements TrainingListener {
        private final TrainingRecipe recipe;
        private long last;

        Progress(TrainingRecipe recipe) {
            this.recipe = recipe;
        }

        @Override
        public void onStep(StepInfo s) {
            long now = System.nanoTime();
            if (now - last > 2_000_000_000L || s.step() + 1 == s.stepsInEpoch()) {
                last = now;
                double eta = (s.stepsInEpoch() - s.step() - 1) * (double) recipe.batch * recipe.window / Math.max(1, s.ticksPerSecond());
                System.err.printf(Locale.ROOT, "  epoch %d/%d  step %d/%d  loss %.4f  lr %.2e  %,.0f ticks/s  epoch ETA %.0f s%n",
                        s.epoch() + 1, recipe.epochs, s.step() + 1, s.stepsInEpoch(), s.loss(), s.learningRate(), s.ticksPerSecond(), eta);
            }
        }

        @Override
        public boolean onEpoch(EpochInfo e) {
            System.err.printf(Locale.ROOT, "epoch %d: train %.4f  validation %.4f%s  (%.1f s, %,.0f ticks/s)%n", e.epoch() + 1,
                    e.trainLoss(), e.validationLoss(), e.improved() ? "  best so far" : "", e.elapsedMillis() / 1000.0, e.ticksPerSecond());
            return true;
        }
    }
}
