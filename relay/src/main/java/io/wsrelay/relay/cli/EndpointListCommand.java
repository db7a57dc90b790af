package io.wsrelay.relay.cli;

import io.wsrelay.relay.ops.EndpointJson;
import io.wsrelay.relay.spi.Endpoint;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code wsrelay endpoint list}: one line per endpoint, or one JSON object per line. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List endpoints.")
final class EndpointListCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    EndpointCommand parent;
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Option(names = "--json", description = "One JSON object per line (headers' values are not shown).")
    boolean json;

    @Override
    public Integer call() {
        return parent.withStore(store -> {
            PrintWriter out = spec.commandLine().getOut();
            List<Endpoint> endpoints = store.list();
            if (!json) {
                out.printf("%-24s %-9s %s%n", "ID", "STATUS", "DESTINATION");
            }
            for (Endpoint e : endpoints) {
                if (json) {
                    out.println(EndpointJson.toJson(e));
                } else {
                    out.printf("%-24s %-9s %s%n", e.id(), e.status(), e.shownDestination());
                }
            }
            return 0;
        });
    }
}
