package io.wsrelay.relay;

import io.wsrelay.relay.spi.CaptureMode;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.relay.spi.EndpointStoreProvider;
import io.wsrelay.relay.spi.LiveSessionPolicy;
import io.wsrelay.relay.spi.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * The {@code wsrelay} command line: runs the relay, applies migrations, manages endpoints.
 *
 * <p>This is the composition root and the only place that chooses an endpoint store: the
 * {@link EndpointStoreProvider} whose {@code type()} equals {@code relay.store.type}, found with
 * {@link ServiceLoader}. Exit status: 0 on success, 1 when the command failed (unknown id, store
 * unreachable), 2 on a usage error.
 */
@Command(name = "wsrelay", mixinStandardHelpOptions = true, version = "wsrelay 0.1.0",
        description = "A WebSocket relay for pages served through a proxying web app.",
        subcommands = {RelayMain.Serve.class, RelayMain.Migrate.class, RelayMain.EndpointCommand.class,
                RelayMain.Settings.class, RelayMain.Echo.class, RelayMain.Send.class, RelayMain.DiscoveryCommand.class,
                SessionsCommand.class})
public final class RelayMain {
    /**
     * System property logback.xml reads to pick its appender ({@code text} or {@code json}).
     * Logback reads it once, when the first logger is made, so this class makes none before the
     * configuration is loaded: its logger is fetched on use ({@link #log()}), not in a static field.
     */
    static final String LOG_FORMAT_PROPERTY = "wsrelay.log.format";

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "Config file (HOCON or .properties) with relay.* keys; the environment and --set override it.")
    Path configFile;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", scope = CommandLine.ScopeType.INHERIT,
            description = "Set one relay.* key, e.g. --set relay.port=3002; overrides the environment and the file.")
    Map<String, String> settings = new LinkedHashMap<>();

    private final Map<String, String> environment;

    RelayMain(Map<String, String> environment) {
        this.environment = environment;
    }

    public static void main(String[] args) {
        System.exit(run(System.getenv(), args));
    }

    /** Runs one command line on stdout/stderr; returns the exit status. */
    static int run(Map<String, String> environment, String... args) {
        return run(environment, new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs one command line, writing its output to {@code out} and errors to {@code err}; returns the exit status. */
    static int run(Map<String, String> environment, PrintWriter out, PrintWriter err, String... args) {
        // Commands that load no configuration (echo-server, send) still honour the environment.
        String format = environment.get(RelayConfig.environmentName("relay.log.format"));
        if (format != null && (format.equalsIgnoreCase("text") || format.equalsIgnoreCase("json"))) {
            selectLogFormat(RelayConfig.LogFormat.valueOf(format.toUpperCase(java.util.Locale.ROOT)));
        }
        CommandLine cli = new CommandLine(new RelayMain(environment));
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("wsrelay: " + e.getMessage());
            log().debug("command failed", e);
            return 1;
        });
        return cli.execute(args);
    }

    RelayConfig config(Map<String, String> extra) {
        Map<String, String> flags = new LinkedHashMap<>(settings);
        flags.putAll(extra);
        RelayConfig config = RelayConfig.load(flags, environment, Optional.ofNullable(configFile));
        selectLogFormat(config.operations().logFormat());
        return config;
    }

    /** Chooses the log format, effective if no logger has been made yet in this process. */
    static void selectLogFormat(RelayConfig.LogFormat format) {
        System.setProperty(LOG_FORMAT_PROPERTY, format.name().toLowerCase(java.util.Locale.ROOT));
    }

    private static Logger log() {
        return LoggerFactory.getLogger(RelayMain.class);
    }

    /**
     * The provider whose {@code type()} equals {@code type}.
     *
     * @throws IllegalArgumentException naming the types found, if none or several match
     */
    static EndpointStoreProvider provider(String type) {
        List<EndpointStoreProvider> all = new ArrayList<>();
        ServiceLoader.load(EndpointStoreProvider.class).forEach(all::add);
        List<EndpointStoreProvider> matching = all.stream().filter(p -> p.type().equals(type)).toList();
        if (matching.size() != 1) {
            List<String> types = all.stream().map(EndpointStoreProvider::type).toList();
            throw new IllegalArgumentException((matching.isEmpty() ? "no" : "more than one")
                    + " endpoint store of type '" + type + "' (relay.store.type); found: " + types);
        }
        return matching.getFirst();
    }

    static EndpointStore openStore(RelayConfig config) {
        return provider(config.store().type()).create(config.store());
    }

    /**
     * {@code wsrelay serve}: runs the relay until SIGTERM or SIGINT, then drains
     * ({@link RelayServer#drainAndClose()}) and exits within {@code relay.shutdown.drain-period} + 5 s.
     */
    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Run the relay on relay.port (WEBSOCKET_PORT, default 3001) with the configured store.")
    static final class Serve implements Callable<Integer> {
        @CommandLine.ParentCommand
        RelayMain main;

        @Option(names = {"-p", "--port"}, description = "TCP port; overrides relay.port.")
        Integer port;

        @Override
        public Integer call() throws InterruptedException {
            Map<String, String> extra = port == null ? Map.of() : Map.of("relay.port", String.valueOf(port));
            RelayConfig config = main.config(extra);
            log().info("store: {}; {}", config.store(), config.operations());
            EndpointStore store = openStore(config);
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
    }

    /** {@code wsrelay migrate}. */
    @Command(name = "migrate", mixinStandardHelpOptions = true,
            description = "Apply the Flyway migrations to the configured database.")
    static final class Migrate implements Callable<Integer> {
        @CommandLine.ParentCommand
        RelayMain main;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            RelayConfig config = main.config(Map.of());
            int applied = provider(config.store().type()).migrate(config.store());
            spec.commandLine().getOut().println("applied " + applied + " migration(s) to " + config.store().jdbcUrl());
            return 0;
        }
    }

    /** {@code wsrelay settings}: every key, its default and its environment variable. */
    @Command(name = "settings", mixinStandardHelpOptions = true,
            description = "List every setting with its default and environment variable.")
    static final class Settings implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            RelayConfig.documentedDefaults().forEach((key, value) ->
                    out.printf("%-36s %-28s %s%n", key, value.isEmpty() ? "\"\"" : value, RelayConfig.environmentName(key)));
            return 0;
        }
    }

    /** {@code wsrelay echo-server}: a WebSocket echo upstream for demos. */
    @Command(name = "echo-server", mixinStandardHelpOptions = true,
            description = "Run a WebSocket echo server (any path) to try the relay with.")
    static final class Echo implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = {"-p", "--port"}, description = "TCP port (default ${DEFAULT-VALUE}).")
        int port = 9001;
        @Option(names = "--host", description = "Address to bind (default ${DEFAULT-VALUE}).")
        String host = "127.0.0.1";

        @Override
        public Integer call() throws InterruptedException {
            try (EchoServer echo = EchoServer.start(host, port)) {
                spec.commandLine().getOut().println("echo server on ws://" + host + ":" + echo.port() + "/");
                spec.commandLine().getOut().flush();
                echo.join();
            }
            return 0;
        }
    }

    /** {@code wsrelay send URL MESSAGE...}: a one-shot WebSocket client. */
    @Command(name = "send", mixinStandardHelpOptions = true,
            description = "Open URL, send each MESSAGE as text, print each reply, then close with 1000.")
    static final class Send implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "URL", description = "ws:// or wss:// URL.")
        java.net.URI uri;
        @Parameters(index = "1..*", paramLabel = "MESSAGE")
        List<String> messages = new ArrayList<>();
        @Option(names = "--subprotocol", description = "Subprotocol to offer (repeatable).")
        List<String> subprotocols = new ArrayList<>();
        @Option(names = "--timeout", description = "Seconds to wait for each reply (default ${DEFAULT-VALUE}).")
        int timeoutSeconds = 10;

        @Override
        public Integer call() throws Exception {
            return DemoClient.run(uri, subprotocols, messages, java.time.Duration.ofSeconds(timeoutSeconds),
                    spec.commandLine().getOut(), spec.commandLine().getErr());
        }
    }

    /**
     * {@code wsrelay discovery show|asyncapi|har|clear ID}: what API discovery learnt of an endpoint,
     * from a running relay's admin API ({@code docs/discovery.md}).
     */
    @Command(name = "discovery", mixinStandardHelpOptions = true,
            description = "Show what API discovery learnt of an endpoint, from a running relay's admin API "
                    + "(needs relay.admin.token): show (JSON summary), asyncapi (AsyncAPI 3.0), har (HAR 1.2), clear.")
    static final class DiscoveryCommand implements Callable<Integer> {
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
            RelayConfig config = main.config(Map.of());
            if (!config.operations().isAdminApiEnabled()) {
                spec.commandLine().getErr().println("wsrelay: discovery needs the admin token: set relay.admin.token "
                        + "(WSRELAY_ADMIN_TOKEN) to the relay's");
                return 1;
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

    /** {@code wsrelay endpoint ...}: manage endpoints in the configured store. */
    @Command(name = "endpoint", mixinStandardHelpOptions = true,
            description = "Manage endpoints in the configured store; a running relay sees changes on its next lookup.",
            subcommands = {EndpointCommand.Add.class, EndpointCommand.ListCommand.class, EndpointCommand.SetStatus.class,
                    EndpointCommand.Update.class, EndpointCommand.Remove.class})
    static final class EndpointCommand {
        @CommandLine.ParentCommand
        RelayMain main;

        /**
         * Runs one write against the store: prints {@code done} and returns 0 when it changed
         * something, prints {@code missing} to stderr and returns 1 when it did not.
         */
        int write(CommandLine.Model.CommandSpec spec, java.util.function.Predicate<EndpointStore> change,
                  String done, String missing) {
            return withStore(store -> {
                if (!change.test(store)) {
                    spec.commandLine().getErr().println("wsrelay: " + missing);
                    return 1;
                }
                spec.commandLine().getOut().println(done);
                return 0;
            });
        }

        /** Runs {@code action} against an open store and closes it. */
        int withStore(java.util.function.ToIntFunction<EndpointStore> action) {
            RelayConfig config = main.config(Map.of());
            try (EndpointStore store = openStore(config)) {
                return action.applyAsInt(store);
            } catch (StoreException e) {
                throw new RelayException("store " + config.store().type() + " failed: " + e.getMessage(), e);
            }
        }

        @Command(name = "add", mixinStandardHelpOptions = true, description = "Register an endpoint.")
        static final class Add implements Callable<Integer> {
            @CommandLine.ParentCommand
            EndpointCommand parent;
            @CommandLine.Spec
            CommandLine.Model.CommandSpec spec;

            @Parameters(index = "0", paramLabel = "ID", description = "Endpoint id (1-64 characters).")
            String id;
            @Parameters(index = "1", paramLabel = "URL", description = "Destination: ws://, wss://, http:// or https://.")
            String url;
            @Option(names = "--allowed-host", paramLabel = "HOST[:PORT]", description = "Extra upstream host pages may reach (repeatable).")
            List<String> allowedHosts = new ArrayList<>();
            @Option(names = "--allowed-origin", paramLabel = "ORIGIN", description = "Origin allowed to connect (repeatable); none = relay-wide rule.")
            List<String> allowedOrigins = new ArrayList<>();
            @Option(names = "--max-connections", description = "Concurrent sessions for this endpoint; 0 = relay-wide limit only.")
            int maxConnections;
            @Option(names = "--header", paramLabel = "NAME=VALUE", description = "Header added to the upstream handshake (repeatable).")
            Map<String, String> headers = new LinkedHashMap<>();
            @Option(names = "--status", description = "ACTIVE or INACTIVE (default ACTIVE).")
            EndpointStatus status = EndpointStatus.ACTIVE;
            @Option(names = "--upstream-origin", paramLabel = "RULE",
                    description = "Origin sent upstream: 'client', 'none' or an origin; default: the destination's origin.")
            String upstreamOrigin = "";
            @Option(names = "--trusted-ca", paramLabel = "PEM_FILE",
                    description = "PEM certificate(s) trusted for this endpoint's wss:// upstream instead of the default trust store.")
            Path trustedCa;
            @Option(names = "--capture", paramLabel = "MODE", converter = CaptureConverter.class,
                    description = "API discovery: off (default), metadata or samples (docs/discovery.md).")
            CaptureMode capture = CaptureMode.OFF;
            @Option(names = "--live-sessions", paramLabel = "POLICY",
                    description = "CLOSE (default) or KEEP: whether INACTIVE or removal closes the endpoint's open sessions on every node.")
            LiveSessionPolicy liveSessions = LiveSessionPolicy.DEFAULT;

            @Override
            public Integer call() {
                Instant now = Instant.now();
                String ca = readTrustedCa(trustedCa);
                Endpoint endpoint = new Endpoint(id, url, status, allowedHosts, allowedOrigins, maxConnections, headers,
                        upstreamOrigin, ca, capture, liveSessions, now, now);
                UpstreamUri.destination(endpoint); // refuse a destination the relay could never use
                UpstreamTrust.check(endpoint); // and a CA it could never read
                return parent.write(spec, store -> store.insert(endpoint), "added " + id + " -> " + url,
                        "endpoint " + id + " already exists");
            }
        }

        private static String readTrustedCa(Path file) {
            if (file == null) {
                return "";
            }
            try {
                return java.nio.file.Files.readString(file, java.nio.charset.StandardCharsets.US_ASCII);
            } catch (java.io.IOException e) {
                throw new RelayException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }

        @Command(name = "list", mixinStandardHelpOptions = true, description = "List endpoints.")
        static final class ListCommand implements Callable<Integer> {
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
                            out.printf("%-24s %-9s %s%n", e.id(), e.status(), e.destinationUrl());
                        }
                    }
                    return 0;
                });
            }
        }

        @Command(name = "set-status", mixinStandardHelpOptions = true, description = "Set an endpoint ACTIVE or INACTIVE.")
        static final class SetStatus implements Callable<Integer> {
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

        /** Reads {@code off}, {@code metadata}, {@code samples} in any letter case. */
        static final class CaptureConverter implements CommandLine.ITypeConverter<CaptureMode> {
            @Override
            public CaptureMode convert(String value) {
                try {
                    return CaptureMode.parse(value);
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.TypeConversionException(e.getMessage());
                }
            }
        }

        @Command(name = "update", mixinStandardHelpOptions = true,
                description = "Change settings of an endpoint; options not given keep their value.")
        static final class Update implements Callable<Integer> {
            @CommandLine.ParentCommand
            EndpointCommand parent;
            @CommandLine.Spec
            CommandLine.Model.CommandSpec spec;
            @Parameters(index = "0", paramLabel = "ID")
            String id;
            @Option(names = "--capture", paramLabel = "MODE", converter = CaptureConverter.class,
                    description = "API discovery: off, metadata or samples (docs/discovery.md).")
            CaptureMode capture;

            @Override
            public Integer call() {
                if (capture == null) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "nothing to change: give --capture");
                }
                return parent.write(spec, store -> store.lookup(id).map(e -> store.update(e.withCapture(capture))).orElse(false),
                        id + " capture is " + capture.label(), "no endpoint " + id);
            }
        }

        @Command(name = "remove", mixinStandardHelpOptions = true,
                description = "Remove an endpoint (its open sessions are closed unless its live-sessions policy is KEEP).")
        static final class Remove implements Callable<Integer> {
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
    }
}
