package io.wsrelay.relay.cli;

import io.wsrelay.relay.RelayException;
import io.wsrelay.relay.UpstreamUri;
import io.wsrelay.relay.policy.UpstreamTrust;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointRules;
import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.relay.spi.StoreException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * {@code wsrelay endpoint ...}: manage endpoints in the configured store. A running relay sees a
 * change on its next lookup (a caching store is invalidated by the write).
 */
@Command(name = "endpoint", mixinStandardHelpOptions = true,
        description = "Manage endpoints in the configured store; a running relay sees changes on its next lookup.",
        subcommands = {EndpointAddCommand.class, EndpointListCommand.class, EndpointShowCommand.class,
                EndpointUpdateCommand.class, EndpointSetStatusCommand.class, EndpointRemoveCommand.class})
final class EndpointCommand {
    private static final Set<String> SCHEMES = Set.of("ws", "wss", "http", "https");

    @CommandLine.ParentCommand
    RelayMain main;

    /**
     * Runs one write against the store: prints {@code done} and returns 0 when it changed
     * something, prints {@code missing} to stderr and returns 1 when it did not.
     */
    int write(CommandLine.Model.CommandSpec spec, Predicate<EndpointStore> change, String done, String missing) {
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
    int withStore(ToIntFunction<EndpointStore> action) {
        StoreStack stack = main.setup().store();
        try (EndpointStore store = stack.open(true)) {
            return action.applyAsInt(store);
        } catch (StoreException e) {
            throw new RelayException("store " + stack.type() + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Refuses an endpoint the relay could never use, saying which URL and why; then the relay's
     * own checks ({@link UpstreamUri#destination}, {@link UpstreamTrust#check}).
     *
     * @throws UsageException naming the URL and the reason (no scheme, scheme, no host, fragment)
     */
    /**
     * {@link EndpointRules}: the id syntax (for a new endpoint) and the headers' syntax; the
     * message names the header, never its value.
     *
     * @throws UsageException if a rule is broken
     */
    static void checkRules(Endpoint endpoint, boolean isNew) {
        try {
            if (isNew) {
                EndpointRules.checkNew(endpoint);
            } else {
                EndpointRules.check(endpoint);
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("endpoint refused: " + e.getMessage());
        }
    }

    static void check(Endpoint endpoint) {
        String url = endpoint.destinationUrl();
        String why = destinationProblem(url);
        if (why != null) {
            throw new UsageException("destination URL '" + url + "' refused: " + why);
        }
        try {
            UpstreamUri.destination(endpoint);
            UpstreamTrust.check(endpoint);
        } catch (RuntimeException e) {
            throw new UsageException("endpoint " + endpoint.id() + " refused: " + e.getMessage());
        }
    }

    /** Why {@code url} cannot be a destination, or null if it can. */
    static String destinationProblem(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return "not a URL (" + e.getReason() + " at index " + e.getIndex() + ")";
        }
        if (uri.getScheme() == null) {
            return "no scheme; use ws://, wss://, http:// or https://";
        }
        if (!SCHEMES.contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
            return "scheme '" + uri.getScheme() + "' is not ws, wss, http or https";
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            return "no host" + (uri.getRawAuthority() == null ? "" : " in '" + uri.getRawAuthority() + "'");
        }
        if (uri.getRawFragment() != null) {
            return "it has a fragment (#" + uri.getRawFragment() + "); WebSocket URLs have none (RFC 6455, section 3)";
        }
        return null;
    }

    /** The PEM text of {@code file}, or empty when no file is given. */
    static String readTrustedCa(Path file) {
        if (file == null) {
            return "";
        }
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UsageException("cannot read --trusted-ca " + file + ": " + e.getMessage());
        }
    }
}
