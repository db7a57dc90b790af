package io.wsrelay.relay.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code wsrelay send URL MESSAGE...}: a one-shot WebSocket client. */
@Command(name = "send", mixinStandardHelpOptions = true,
        description = "Open URL, send each MESSAGE as text, print each reply, then close with 1000.")
final class SendCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    RelayMain main;
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0", paramLabel = "URL", description = "ws:// or wss:// URL.")
    URI uri;
    @Parameters(index = "1..*", paramLabel = "MESSAGE")
    List<String> messages = new ArrayList<>();
    @Option(names = "--subprotocol", description = "Subprotocol to offer (repeatable).")
    List<String> subprotocols = new ArrayList<>();
    @Option(names = "--timeout", description = "Seconds to wait for each reply (default ${DEFAULT-VALUE}).")
    int timeoutSeconds = 10;

    @Override
    public Integer call() throws Exception {
        main.selectLogLevel("INFO", false);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("ws") && !scheme.equals("wss") || uri.getHost() == null) {
            throw new UsageException("URL " + uri + " is not a ws:// or wss:// URL with a host");
        }
        if (timeoutSeconds < 1) {
            throw new UsageException("--timeout must be at least 1 second, was " + timeoutSeconds);
        }
        return DemoClient.run(uri, subprotocols, messages, Duration.ofSeconds(timeoutSeconds),
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
