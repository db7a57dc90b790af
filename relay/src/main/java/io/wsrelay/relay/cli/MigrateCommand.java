package io.wsrelay.relay.cli;

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
        StoreStack store = main.setup().store();
        int applied = store.migrate();
        spec.commandLine().getOut().println("applied " + applied + " migration(s) to " + store.location());
        return 0;
    }
}
