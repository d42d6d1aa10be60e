package org.mambats.cli;

import org.mambats.backtest.cli.BacktestCommand;
import org.mambats.ingest.broker.BrokerCommand;
import org.mambats.ingest.cli.PublishCommand;
import org.mambats.ingest.sink.SinkCommand;
import org.mambats.model.bench.BenchCommand;
import org.mambats.model.cli.ParityCommand;
import org.mambats.model.cli.PredictCommand;
import org.mambats.model.cli.SynthCommand;
import org.mambats.model.cli.TrainCommand;
import org.mambats.service.cli.MonitoredStreamCommand;
import org.mambats.service.cli.ServeCommand;
import org.mambats.service.demo.DemoCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code mamba-ts} command line: one entry point whose subcommands come from every module.
 * Run {@code ./mamba-ts --help} for the list and {@code ./mamba-ts COMMAND --help} for each.
 */
@Command(name = "mamba-ts", mixinStandardHelpOptions = true, versionProvider = MambaTs.Version.class,
        description = "Streaming financial forecasting with a Mamba state-space model on Kafka Streams and TimescaleDB.",
        subcommands = {
                ParityCommand.class,
                BenchCommand.class,
                TrainCommand.class,
                SynthCommand.class,
                PredictCommand.class,
                BrokerCommand.class,
                PublishCommand.class,
                MonitoredStreamCommand.class,
                SinkCommand.class,
                BacktestCommand.class,
                ServeCommand.class,
                DemoCommand.class,
                CommandLine.HelpCommand.class,
        })
public class MambaTs implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new MambaTs());
        EnvironmentDefaults.install(cli, System.getenv()); // --foo-bar defaults to $MAMBA_TS_FOO_BAR
        // A user's mistake (a bad path, a malformed file, a wrong option value) deserves one clear line, not a stack trace.
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof java.io.IOException) {
                commandLine.getErr().println("error: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cli;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = MambaTs.class.getPackage().getImplementationVersion();
            return new String[] {"mamba-ts " + (v == null ? "(development build)" : v)};
        }
    }
}
