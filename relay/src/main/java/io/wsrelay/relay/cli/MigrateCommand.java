package io.wsrelay.relay.cli;

import io.wsrelay.relay.config.RelayConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code wsrelay migrate}: applies the Flyway migrations to the configured database. */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Apply the Flyway migrations to the configured database.")
final class MigrateCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    RelayMain main;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        RelayConfig config = main.config();
        int applied = main.provider(config.store().type()).migrate(config.store());
        spec.commandLine().getOut().println("applied " + applied + " migration(s) to " + config.store().jdbcUrl());
        return 0;
    }
}
