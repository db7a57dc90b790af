package io.wsrelay.relay.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code wsrelay endpoint remove ID}. */
@Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove an endpoint (its open sessions are closed on every node unless its live-sessions policy is KEEP).")
final class EndpointRemoveCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    EndpointCommand parent;
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
        return parent.write(spec, store -> store.remove(id), "removed " + id, "no endpoint " + id);
    }
}
