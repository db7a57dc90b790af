package io.wsrelay.relay.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code wsrelay echo-server}: a WebSocket echo upstream for demos. */
@Command(name = "echo-server", mixinStandardHelpOptions = true,
        description = "Run a WebSocket echo server (any path) to try the relay with.")
final class EchoServerCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    RelayMain main;
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Option(names = {"-p", "--port"}, description = "TCP port (default ${DEFAULT-VALUE}).")
    int port = 9001;
    @Option(names = "--host", description = "Address to bind (default ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Override
    public Integer call() throws InterruptedException {
        if (port < 1 || port > 65535) {
            throw new UsageException("--port must be 1 to 65535, was " + port);
        }
        main.selectLogLevel("INFO", true);
        try (EchoServer echo = EchoServer.start(host, port)) {
            spec.commandLine().getOut().println("echo server on ws://" + host + ":" + echo.port() + "/");
            spec.commandLine().getOut().flush();
            echo.join();
        }
        return 0;
    }
}
