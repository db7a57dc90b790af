package io.wsrelay.relay.cli;

import io.wsrelay.relay.spi.CaptureMode;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.LiveSessionPolicy;
import io.wsrelay.relay.spi.EndpointStatus;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code wsrelay endpoint add ID URL}: registers an endpoint. */
@Command(name = "add", mixinStandardHelpOptions = true, description = "Register an endpoint.")
final class EndpointAddCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    EndpointCommand parent;
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "Endpoint id: 1-64 of A-Z a-z 0-9 . _ ~ -")
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
    @Option(names = "--capture", paramLabel = "MODE", converter = CaptureModeConverter.class,
            description = "API discovery: off (default), metadata or samples (docs/discovery.md).")
    CaptureMode capture = CaptureMode.OFF;
    @Option(names = "--live-sessions", paramLabel = "POLICY",
            description = "CLOSE (default) or KEEP: whether INACTIVE or removal closes the endpoint's open sessions on every node.")
    LiveSessionPolicy liveSessions = LiveSessionPolicy.DEFAULT;

    @Override
    public Integer call() {
        Instant now = Instant.now();
        Endpoint endpoint = new Endpoint(id, url, status, allowedHosts, allowedOrigins, maxConnections, headers,
                upstreamOrigin, EndpointCommand.readTrustedCa(trustedCa), capture, liveSessions, now, now);
        EndpointCommand.checkRules(endpoint, true);
        EndpointCommand.check(endpoint);
        return parent.write(spec, store -> store.insert(endpoint), "added " + id + " -> " + url,
                "endpoint " + id + " already exists");
    }
}
