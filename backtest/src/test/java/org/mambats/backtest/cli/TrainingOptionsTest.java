package org.mambats.backtest.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mambats.backtest.run.BacktestConfig;
import org.mambats.model.cli.TrainCommand;
import org.mambats.model.train.TrainingRecipe;
import picocli.CommandLine;

/** {@code train} and {@code backtest} take the same training options into the same recipe. */
class TrainingOptionsTest {
    private static final List<String> RECIPE = List.of("--horizons", "1tick,30s", "--quantiles", "0.05,0.5,0.95", "--d-model", "32",
            "--layers", "3", "--d-state", "8", "--expand", "1", "--d-conv", "3", "--epochs", "7", "--batch", "16", "--window", "128",
            "--lr", "2e-3", "--weight-decay", "0.05", "--clip", "0.5", "--patience", "4", "--validation", "0.25", "--delta-time-scaling",
            "--vol-half-life", "20", "--grace-ms", "500", "--seed", "7", "--name", "btc-small", "--threads", "1");

    @Test
    void backtestWalkForwardTakesEveryTrainingOptionOfTrain() {
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs(args(List.of("--data", "x.csv", "--out", "ckpt")));
        BacktestCommand backtest = new BacktestCommand();
        new CommandLine(backtest).parseArgs(args(List.of("--data", "x.csv", "--train-window", "1d", "--test-window", "1h",
                "--report", "out")));
        BacktestConfig c = backtest.config();
        TrainingRecipe fromTrain = train.recipe();

        assertEquals(fromTrain.toJson(), c.training.toJson());
        assertEquals(1, c.training.expand);
        assertEquals(3, c.training.dConv);
        assertEquals(0.05, c.training.weightDecay);
        assertEquals(0.5, c.training.clip);
        assertEquals("btc-small", c.training.name);
        assertEquals(Integer.valueOf(1), c.training.threads);
        assertEquals(32, c.training.backbone().dModel());
        assertEquals(32, c.training.backbone().dInner());
    }

    @Test
    void defaultsAreTheRecipesOwn() {
        BacktestCommand backtest = new BacktestCommand();
        new CommandLine(backtest).parseArgs("--data", "x.csv", "--checkpoint", "ckpt", "--report", "out");
        assertEquals(new TrainingRecipe().toJson(), backtest.config().training.toJson());
    }

    @Test
    void aMalformedHorizonFailsBeforeAnyDataIsRead() {
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs("--data", "does-not-exist.csv", "--out", "ckpt", "--horizons", "10 parsecs");
        assertThrows(IllegalArgumentException.class, train::recipe);
    }

    @Test
    void latencyAndEvalFromAreReadAsTheUserMeansThem() {
        BacktestCommand b = new BacktestCommand();
        new CommandLine(b).parseArgs("--data", "x.csv", "--checkpoint", "ckpt", "--report", "out");
        assertEquals(java.time.Duration.ofSeconds(1), b.config().latency, "default: a second");
        new CommandLine(b).parseArgs("--data", "x.csv", "--checkpoint", "ckpt", "--report", "out", "--latency", "0");
        assertEquals(java.time.Duration.ZERO, b.config().latency, "0: the next tick");
        new CommandLine(b).parseArgs("--data", "x.csv", "--checkpoint", "ckpt", "--report", "out", "--latency", "250ms");
        assertEquals(java.time.Duration.ofMillis(250), b.config().latency);
        // A Unix time in seconds, as the Bitstamp file has them, would be read as milliseconds in January 1970.
        new CommandLine(b).parseArgs("--data", "x.csv", "--checkpoint", "ckpt", "--report", "out", "--eval-from", "1385600000");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::config);
        assertTrue(e.getMessage().contains("1385600000000"), e.getMessage());
        new CommandLine(b).parseArgs("--data", "x.csv", "--checkpoint", "ckpt", "--report", "out", "--eval-from", "1385600000000");
        assertEquals(1_385_600_000_000L, b.config().evalFromMillis);
    }

    /** The command refuses a bad option by its name; the backtest itself words the same error in its own terms. */
    @Test
    void badOptionsAreNamedByTheCommand() {
        BacktestCommand b = new BacktestCommand();
        new CommandLine(b).parseArgs("--data", "x.csv", "--checkpoint", "ckpt", "--report", "out", "--costs-bps", "-1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::config);
        assertEquals("--costs-bps must be >= 0, got -1.0", e.getMessage());
    }

    private static String[] args(List<String> command) {
        return java.util.stream.Stream.concat(command.stream(), RECIPE.stream()).toArray(String[]::new);
    }
}
