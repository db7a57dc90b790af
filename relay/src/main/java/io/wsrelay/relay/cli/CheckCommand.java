package io.wsrelay.relay.cli;

import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.relay.spi.StoreException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code wsrelay check}, like {@code nginx -t}: validates the configuration and reaches the store,
 * without migrating it or listening on any port. Exit 0 when both are fine, 2 for a configuration
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
        RelayConfig config = main.config();
        RelayConfig.Store s = config.store();
        Map<String, String> props = new LinkedHashMap<>(s.properties());
        props.put("relay.store.migrate-on-start", "false");
        RelayConfig.Store noMigration = new RelayConfig.Store(s.type(), s.jdbcUrl(), s.user(), s.password(), s.poolSize(),
                s.timeout(), false, props);
        var provider = main.provider(s.type());
        try (EndpointStore store = provider.create(noMigration)) {
            store.ping();
        } catch (StoreException e) {
            spec.commandLine().getErr().println("wsrelay: configuration ok, but store " + s.type() + " failed: " + e.getMessage());
            return 1;
        }
        spec.commandLine().getOut().println("configuration ok; store " + s.type() + " reachable");
        return 0;
    }
}
