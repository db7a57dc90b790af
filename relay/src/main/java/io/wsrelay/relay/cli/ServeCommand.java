package io.wsrelay.relay.cli;

import io.wsrelay.relay.RelayException;
import io.wsrelay.relay.RelayServer;
import io.wsrelay.relay.browser.InterceptorScript;
import io.wsrelay.relay.browser.InterceptorScriptHandler;
import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.ops.Operations;
import io.wsrelay.relay.spi.EndpointStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code wsrelay serve}: runs the relay until SIGTERM or SIGINT, then drains
 * ({@link RelayServer#drainAndClose()}) and exits within {@code relay.shutdown.drain-period} + 5 s.
 * A setting the relay cannot be built with ({@link RelaySettingsCheck}, exit 2) and a port
 * another process holds (exit 1) are reported before the store is opened (and migrated).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the relay on relay.port (WEBSOCKET_PORT, default 3001) with the configured store.")
final class ServeCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    RelayMain main;

    @Option(names = {"-p", "--port"}, description = "TCP port; overrides relay.port.")
    Integer port;

    @Override
    public Integer call() throws InterruptedException {
        Map<String, String> extra = port == null ? Map.of() : Map.of("relay.port", String.valueOf(port));
        RelayMain.Setup setup = main.setup(extra, true);
        RelayConfig config = setup.relay();
        // Everything the relay would refuse while it is built, before the store is opened and migrated.
        RelaySettingsCheck.validate(config, setup.loader().values());
        checkFree(config.host(), config.port(), "relay.port");
        if (config.operations().hasAdminPort()) {
            String adminHost = config.operations().adminHost().isEmpty() ? config.host() : config.operations().adminHost();
            checkFree(adminHost, config.operations().adminPort(), "relay.admin.port");
        }
        RelayMain.log().info("store: {}; {}", setup.store(), config.operations());
        EndpointStore store = setup.store().open(true);
        RelayServer relay;
        try {
            relay = Operations.builder(config, store)
                    .handler(InterceptorScriptHandler.create(InterceptorScript.load()))
                    .build()
                    .start();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("wsrelay-shutdown").unstarted(() -> {
            try {
                relay.drainAndClose();
                store.close();
            } finally {
                stopped.countDown();
            }
        }));
        stopped.await();
        return 0;
    }

    /**
     * Fails if {@code host:port} cannot be bound now, as the relay's connector would bind it
     * (address reuse on, so a socket in TIME_WAIT does not count). Port 0 is always free.
     *
     * @throws RelayException naming the address, the key and the reason ("address already in use")
     */
    static void checkFree(String host, int port, String key) {
        if (port == 0) {
            return;
        }
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            probe.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            probe.bind(new InetSocketAddress(host, port));
        } catch (BindException e) {
            String reason = e.getMessage() == null ? "cannot bind" : e.getMessage().toLowerCase(java.util.Locale.ROOT);
            throw new RelayException("cannot listen on " + host + ":" + port + " (" + key + "): " + reason
                    + (reason.contains("in use") ? "; another process holds it (stop it, or choose another port)" : ""), e);
        } catch (IOException | java.nio.channels.UnresolvedAddressException e) {
            throw new RelayException("cannot listen on " + host + ":" + port + " (" + key + "): "
                    + (e.getMessage() == null ? "unresolved address " + host : e.getMessage()), e);
        }
    }
}
