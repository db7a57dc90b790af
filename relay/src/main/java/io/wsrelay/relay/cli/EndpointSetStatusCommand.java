package io.wsrelay.relay.cli;

import io.wsrelay.relay.spi.EndpointStatus;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code wsrelay endpoint set-status ID STATUS}. */
@Command(name = "set-status", mixinStandardHelpOptions = true, description = "Set an endpoint ACTIVE or INACTIVE.")
final class EndpointSetStatusCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    EndpointCommand parent;
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0", paramLabel = "ID")
    String id;
    @Parameters(index = "1", paramLabel = "STATUS", description = "ACTIVE or INACTIVE.")
    EndpointStatus status;

    @Override
    public Integer call() {
        return parent.write(spec, store -> store.setStatus(id, status), id + " is " + status, "no endpoint " + id);
    }
}
