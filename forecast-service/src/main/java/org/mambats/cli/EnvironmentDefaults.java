package org.mambats.cli;

import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option defaults from the environment, so a container is configured the way a shell user types options: the option
 * {@code --foo-bar} (its longest name) is read from {@code MAMBA_TS_FOO_BAR}. The rule is global, not per command:
 * {@code MAMBA_TS_BOOTSTRAP} sets {@code --bootstrap} of whichever command runs. A value given on the command line
 * wins over the variable, and the variable wins over the option's built-in default; an empty variable counts as unset.
 * Help options ({@code --help}, {@code --version}) and positional parameters are never read from the environment.
 */
public final class EnvironmentDefaults implements CommandLine.IDefaultValueProvider {
    public static final String PREFIX = "MAMBA_TS_";
    /** The line the top-level usage ends with. */
    static final String FOOTER = "%nEvery option can also be set in the environment: --foo-bar as " + PREFIX
            + "FOO_BAR (the command line wins).";

    private final Map<String, String> environment;

    public EnvironmentDefaults(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /** Sets this provider on {@code cli} and every subcommand it has now, and says so at the end of the usage. */
    public static CommandLine install(CommandLine cli, Map<String, String> environment) {
        // picocli hands the provider to the subcommands already added (not to ones added later), as the test checks.
        cli.setDefaultValueProvider(new EnvironmentDefaults(environment));
        cli.getCommandSpec().usageMessage().footer(FOOTER);
        return cli;
    }

    /** The variable an option is read from: {@code --jdbc-url} -> {@code MAMBA_TS_JDBC_URL}. */
    public static String variableOf(OptionSpec option) {
        String name = option.longestName().replaceFirst("^-+", "");
        return PREFIX + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()) {
            return null;
        }
        String value = environment.get(variableOf(option));
        return value == null || value.isEmpty() ? null : value;
    }
}
