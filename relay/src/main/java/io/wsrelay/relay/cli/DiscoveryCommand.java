package io.wsrelay.relay.cli;

import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.ops.Operations;
import io.wsrelay.relay.spi.EndpointRules;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code wsrelay discovery show|asyncapi|har|clear ID}: what API discovery learnt of an endpoint,
 * from a running relay's admin API ({@code docs/discovery.md}).
 */
@Command(name = "discovery", mixinStandardHelpOptions = true,
        description = "Show what API discovery learnt of an endpoint, from a running relay's admin API "
                + "(needs relay.admin.token): show (JSON summary), asyncapi (AsyncAPI 3.0), har (HAR 1.2), clear.")
final class DiscoveryCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    RelayMain main;
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0", paramLabel = "VIEW", description = "show, asyncapi, har or clear.")
    String view;
    @Parameters(index = "1", paramLabel = "ID", description = "Endpoint id.")
    String id;
    @Option(names = "--relay", paramLabel = "URL",
            description = "The relay's operations port, e.g. http://10.0.0.5:3002; default: from relay.admin.port or relay.port on this host.")
    java.net.URI relay;
    @Option(names = "--timeout", description = "Seconds to wait for the answer (default ${DEFAULT-VALUE}).")
    int timeoutSeconds = 30;

    @Override
    public Integer call() throws InterruptedException {
        if (!List.of("show", "asyncapi", "har", "clear").contains(view)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "VIEW must be show, asyncapi, har or clear, was '" + view + "'");
        }
        if (!EndpointRules.isValidId(id)) {
            throw new UsageException("ID must be an endpoint id, 1 to " + EndpointRules.MAX_ID_LENGTH
                    + " of the characters A-Z a-z 0-9 . _ ~ -");
        }
        RelayConfig config = main.config();
        if (!config.operations().isAdminApiEnabled()) {
            throw new UsageException("no admin token: set relay.admin.token (WSRELAY_ADMIN_TOKEN) to the relay's token");
        }
        java.net.URI base = relay != null ? relay : localOperations(config);
        return new io.wsrelay.relay.discovery.DiscoveryClient(base, config.operations().adminToken(),
                java.time.Duration.ofSeconds(timeoutSeconds)).run(view, id, spec.commandLine().getOut(),
                spec.commandLine().getErr());
    }

    /** The operations port of a relay on this host with this configuration. */
    private static java.net.URI localOperations(RelayConfig config) {
        RelayConfig.Operations ops = config.operations();
        String host = ops.hasAdminPort() && !ops.adminHost().isEmpty() ? ops.adminHost() : config.host();
        if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::")) {
            host = "127.0.0.1";
        }
        int port = ops.hasAdminPort() ? ops.adminPort() : config.port();
        return java.net.URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port);
    }
}
