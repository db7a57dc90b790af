package io.wsrelay.relay.cli;

import io.wsrelay.relay.config.ConfigLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code wsrelay settings}: every key, the relay's and every available storage module's, with the
 * value in effect, where it came from (default, file, environment, flag) and its environment
 * variable. Secrets are never printed.
 */
@Command(name = "settings", mixinStandardHelpOptions = true,
        description = "List every setting: its effective value, its source (default, file, environment, flag) "
                + "and its environment variable. Secrets are not shown.")
final class SettingsCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    RelayMain main;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        // A malformed value (the relay's or the store module's) is an error here too, not a line in the table.
        ConfigLoader loader = main.setup().loader();
        PrintWriter out = spec.commandLine().getOut();
        String format = "%-44s %-30s %-12s %s%n";
        out.printf(format, "KEY", "VALUE", "SOURCE", "ENVIRONMENT");
        for (ConfigLoader.Setting s : loader.settings()) {
            out.printf(format, s.key(), s.value(), s.source(), s.environment());
        }
        return 0;
    }
}
