package io.wsrelay.relay.cli;

import io.wsrelay.relay.ops.EndpointJson;
import io.wsrelay.relay.policy.UpstreamTrust;
import io.wsrelay.relay.spi.Endpoint;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code wsrelay endpoint show ID}: every setting of one endpoint; header values are never shown. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Show every setting of one endpoint (header values are not shown).")
final class EndpointShowCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    EndpointCommand parent;
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0", paramLabel = "ID")
    String id;
    @Option(names = "--json", description = "One JSON object, as the admin API returns it.")
    boolean json;

    @Override
    public Integer call() {
        return parent.withStore(store -> {
            Optional<Endpoint> found = store.lookup(id);
            if (found.isEmpty()) {
                spec.commandLine().getErr().println("wsrelay: no endpoint " + id);
                return 1;
            }
            Endpoint e = found.get();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(EndpointJson.toJson(e));
                return 0;
            }
            String format = "%-17s %s%n";
            out.printf(format, "id", e.id());
            out.printf(format, "destination", e.shownDestination());
            out.printf(format, "status", e.status());
            out.printf(format, "allowed hosts", list(e.allowedHosts(), "(none: the destination's host only)"));
            out.printf(format, "allowed origins", list(e.allowedOrigins(), "(none: relay.origins.allowed applies)"));
            out.printf(format, "max connections", e.maxConnections() == 0 ? "0 (relay-wide limits only)" : e.maxConnections());
            out.printf(format, "headers", e.upstreamHeaders().isEmpty() ? "(none)"
                    : String.join(", ", e.upstreamHeaders().keySet().stream().sorted().map(h -> h + ": (hidden)").toList()));
            out.printf(format, "upstream origin", e.upstreamOrigin().isEmpty() ? "(the destination's origin)" : e.upstreamOrigin());
            out.printf(format, "trusted CA", e.trustedCa().isEmpty() ? "(the default trust store)"
                    : "PEM, SHA-256 " + UpstreamTrust.fingerprint(e.trustedCa()));
            out.printf(format, "capture", e.capture().label());
            out.printf(format, "created", e.createdAt());
            out.printf(format, "updated", e.updatedAt());
            return 0;
        });
    }

    private static String list(List<String> values, String empty) {
        return values.isEmpty() ? empty : String.join(", ", values);
    }
}
