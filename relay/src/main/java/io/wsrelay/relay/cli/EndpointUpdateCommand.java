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
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code wsrelay endpoint update ID [options]}: changes the given settings of an endpoint and
 * keeps the others. A list option replaces that list; {@code --header} sets one header and keeps
 * the rest (their values are secret and cannot be read back to be given again).
 */
@Command(name = "update", mixinStandardHelpOptions = true,
        description = "Change settings of an endpoint; settings not given stay as they are.")
final class EndpointUpdateCommand implements Callable<Integer> {
    /** {@code --upstream-origin} value that restores the default (the destination's origin). */
    static final String DEFAULT_ORIGIN_RULE = "default";

    @CommandLine.ParentCommand
    EndpointCommand parent;
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID")
    String id;
    @Option(names = "--destination", paramLabel = "URL", description = "New destination: ws://, wss://, http:// or https://.")
    String destination;
    @Option(names = "--status", description = "ACTIVE or INACTIVE.")
    EndpointStatus status;
    @Option(names = "--allowed-host", paramLabel = "HOST[:PORT]", description = "Replaces the extra upstream hosts (repeatable).")
    List<String> allowedHosts;
    @Option(names = "--no-allowed-hosts", description = "Removes every extra upstream host.")
    boolean noAllowedHosts;
    @Option(names = "--allowed-origin", paramLabel = "ORIGIN", description = "Replaces the allowed Origins (repeatable).")
    List<String> allowedOrigins;
    @Option(names = "--no-allowed-origins", description = "Removes the endpoint's Origins: the relay-wide rule applies.")
    boolean noAllowedOrigins;
    @Option(names = "--max-connections", description = "Concurrent sessions for this endpoint; 0 = relay-wide limit only.")
    Integer maxConnections;
    @Option(names = "--header", paramLabel = "NAME=VALUE", description = "Sets one upstream header, keeping the others (repeatable).")
    Map<String, String> headers = new LinkedHashMap<>();
    @Option(names = "--remove-header", paramLabel = "NAME", description = "Removes one upstream header (repeatable).")
    List<String> removeHeaders = new ArrayList<>();
    @Option(names = "--no-headers", description = "Removes every upstream header.")
    boolean noHeaders;
    @Option(names = "--upstream-origin", paramLabel = "RULE",
            description = "Origin sent upstream: 'client', 'none', an origin, or 'default' (the destination's origin).")
    String upstreamOrigin;
    @Option(names = "--trusted-ca", paramLabel = "PEM_FILE", description = "PEM certificate(s) trusted for the wss:// upstream.")
    Path trustedCa;
    @Option(names = "--no-trusted-ca", description = "Back to the default trust store.")
    boolean noTrustedCa;
    @Option(names = "--capture", paramLabel = "MODE", converter = CaptureModeConverter.class,
            description = "API discovery: off, metadata or samples (docs/discovery.md).")
    CaptureMode capture;
    @Option(names = "--live-sessions", paramLabel = "POLICY",
            description = "CLOSE or KEEP: whether INACTIVE or removal closes the endpoint's open sessions on every node.")
    LiveSessionPolicy liveSessions;

    @Override
    public Integer call() {
        if (destination == null && status == null && allowedHosts == null && !noAllowedHosts && allowedOrigins == null
                && !noAllowedOrigins && maxConnections == null && headers.isEmpty() && removeHeaders.isEmpty() && !noHeaders
                && upstreamOrigin == null && trustedCa == null && !noTrustedCa && capture == null && liveSessions == null) {
            throw new UsageException("nothing to update for endpoint " + id + "; give at least one option (--help lists them)");
        }
        exclusive(allowedHosts != null, noAllowedHosts, "--allowed-host", "--no-allowed-hosts");
        exclusive(allowedOrigins != null, noAllowedOrigins, "--allowed-origin", "--no-allowed-origins");
        exclusive(trustedCa != null, noTrustedCa, "--trusted-ca", "--no-trusted-ca");
        exclusive(!headers.isEmpty() || !removeHeaders.isEmpty(), noHeaders, "--header/--remove-header", "--no-headers");
        String ca = trustedCa == null ? null : EndpointCommand.readTrustedCa(trustedCa);
        return parent.withStore(store -> {
            Optional<Endpoint> found = store.lookup(id);
            if (found.isEmpty()) {
                spec.commandLine().getErr().println("wsrelay: no endpoint " + id);
                return 1;
            }
            List<String> absent = absentHeaders(found.get());
            if (!absent.isEmpty()) {
                spec.commandLine().getErr().println("wsrelay: endpoint " + id + " has no upstream header "
                        + String.join(", ", absent) + " to remove; it has "
                        + (found.get().upstreamHeaders().isEmpty() ? "none" : String.join(", ", found.get().upstreamHeaders().keySet()))
                        + "; nothing was changed");
                return 1;
            }
            Endpoint updated = apply(found.get(), ca);
            EndpointCommand.checkRules(updated, false);
            EndpointCommand.check(updated);
            if (!store.update(updated)) {
                spec.commandLine().getErr().println("wsrelay: no endpoint " + id);
                return 1;
            }
            spec.commandLine().getOut().println("updated " + id);
            return 0;
        });
    }

    /** The {@code --remove-header} names (case-insensitive, as HTTP field names) that {@code e} does not have. */
    private List<String> absentHeaders(Endpoint e) {
        return removeHeaders.stream()
                .filter(name -> e.upstreamHeaders().keySet().stream().noneMatch(h -> h.equalsIgnoreCase(name)))
                .toList();
    }

    private Endpoint apply(Endpoint e, String ca) {
        Map<String, String> newHeaders = new LinkedHashMap<>(noHeaders ? Map.of() : e.upstreamHeaders());
        removeHeaders.forEach(name -> newHeaders.keySet().removeIf(h -> h.equalsIgnoreCase(name)));
        headers.forEach((name, value) -> {
            newHeaders.keySet().removeIf(h -> h.equalsIgnoreCase(name));
            newHeaders.put(name, value);
        });
        String origin = upstreamOrigin == null ? e.upstreamOrigin()
                : upstreamOrigin.equals(DEFAULT_ORIGIN_RULE) ? "" : upstreamOrigin;
        return new Endpoint(e.id(),
                destination != null ? destination : e.destinationUrl(),
                status != null ? status : e.status(),
                noAllowedHosts ? List.of() : allowedHosts != null ? allowedHosts : e.allowedHosts(),
                noAllowedOrigins ? List.of() : allowedOrigins != null ? allowedOrigins : e.allowedOrigins(),
                maxConnections != null ? maxConnections : e.maxConnections(),
                newHeaders,
                origin,
                noTrustedCa ? "" : ca != null ? ca : e.trustedCa(),
                capture != null ? capture : e.capture(),
                liveSessions != null ? liveSessions : e.liveSessions(),
                e.createdAt(), Instant.now());
    }

    private static void exclusive(boolean one, boolean other, String oneName, String otherName) {
        if (one && other) {
            throw new UsageException(oneName + " and " + otherName + " cannot be given together");
        }
    }
}
