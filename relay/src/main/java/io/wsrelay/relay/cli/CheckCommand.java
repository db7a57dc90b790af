package io.wsrelay.relay.cli;

import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.relay.spi.StoreException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * {@code wsrelay check}, like {@code nginx -t}: validates the configuration as {@code serve} does
 * ({@link RelaySettingsCheck} included) and reaches the store, every service of it (Redis and the
 * SQL store behind it: {@link EndpointStore#verify()}), without migrating it or listening on any port. Exit 0 when both are fine, 2 for a configuration
 * error, 1 when the store cannot be opened or does not answer, each with the reason.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Validate the configuration and reach the store (no migration, no listening); "
                + "exit 0 if both are fine, 2 on a configuration error, 1 if the store fails.")
final class CheckCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    RelayMain main;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        RelayMain.Setup setup = main.setup();
        RelaySettingsCheck.validate(setup.relay(), setup.loader().values());
        StoreStack stack = setup.store();
        try (EndpointStore store = stack.open(false)) {
            store.verify();
        } catch (StoreException e) {
            spec.commandLine().getErr().println("wsrelay: configuration ok, but store " + stack.type() + " failed: " + e.getMessage());
            return 1;
        }
        spec.commandLine().getOut().println("configuration ok; store " + stack.type() + " reachable");
        return 0;
    }
}
