package io.wsrelay.benchmarks;

import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.RelayServer;
import io.wsrelay.relay.spi.Endpoint;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * The relay core ({@link RelayServer}) as a process of its own, with a fixed endpoint table in
 * memory instead of a store: what the load benchmark measures until {@code bin/wsrelay serve}
 * exists, and a way to measure the relay without the store's cost (the store is only read
 * during the opening handshake).
 *
 * <p>Runs until the process is terminated; a shutdown hook closes the relay (sessions get 1001).
 */
@Command(name = "benchmark-relay", mixinStandardHelpOptions = true,
        description = "Runs RelayServer with endpoints given on the command line, until terminated.")
public final class BenchmarkRelay implements Callable<Integer> {

    @Option(names = "--host", description = "address to listen on (default ${DEFAULT-VALUE})")
    String host = "127.0.0.1";
    @Option(names = "--port", description = "port to listen on (default ${DEFAULT-VALUE})")
    int port = 3001;
    @Option(names = "--endpoint", required = true, paramLabel = "ID=URL",
            description = "an ACTIVE endpoint, e.g. e1=ws://127.0.0.1:9001; repeatable")
    Map<String, String> endpoints = new LinkedHashMap<>();
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "any relay.* setting, e.g. relay.limits.max-sessions=20000")
    Map<String, String> settings = new LinkedHashMap<>();

    /** Logging is the relay's own {@code logback.xml}: INFO for wsrelay, WARN for libraries, on stderr. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchmarkRelay()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        Map<String, Endpoint> table = new HashMap<>();
        endpoints.forEach((id, url) -> table.put(id, Endpoint.of(id, url)));
        Map<String, String> all = new HashMap<>(settings);
        all.put("relay.host", host);
        all.put("relay.port", Integer.toString(port));
        RelayServer relay = RelayServer.create(RelayConfig.from(all), id -> Optional.ofNullable(table.get(id)));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("benchmark-relay-stop").unstarted(() -> {
            relay.close();
            stopped.countDown();
        }));
        relay.start();
        stopped.await();
        return 0;
    }
}
