package io.wsrelay.relay.cli;

import io.wsrelay.relay.config.ConfigValues;
import io.wsrelay.relay.config.ConfigurationException;
import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.policy.DestinationGuard;
import io.wsrelay.relay.policy.HeaderPolicy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/**
 * The checks of the relay's settings that their types alone do not make: what {@code serve} would
 * otherwise find only while building the relay, after the store was opened and migrated. Both
 * {@code check} and {@code serve} run them before anything is opened, so a bad value is a
 * configuration error (exit 2) naming the key, the value and its source from either command.
 *
 * <ul>
 *   <li>{@code relay.upstream.allowed-networks}: every entry is CIDR notation (the destination
 *       guard is built from them);</li>
 *   <li>{@code relay.headers.forward}: no header that never goes upstream (the header policy is
 *       built from them);</li>
 *   <li>{@code relay.tls.keystore}: a readable keystore of {@code relay.tls.keystore-type} that
 *       opens with {@code relay.tls.keystore-password} (never quoted);</li>
 *   <li>{@code relay.admin.token}: empty, or at least {@value #MIN_ADMIN_TOKEN_LENGTH} characters;</li>
 *   <li>{@code relay.admin.port}: not {@code relay.port} on the same address.</li>
 * </ul>
 *
 * <p>Stateless.
 */
final class RelaySettingsCheck {
    /**
     * The shortest admin token {@code serve} accepts: 16 characters, against a token guessed by
     * trying (OWASP's session-identifier guidance asks for at least 64 bits of entropy).
     */
    static final int MIN_ADMIN_TOKEN_LENGTH = 16;

    private RelaySettingsCheck() {
    }

    /**
     * @param config the relay's settings, as read from {@code values}
     * @param values where they came from, for the message
     * @throws ConfigurationException naming the key, the value as given and its source
     */
    static void validate(RelayConfig config, ConfigValues values) {
        RelayConfig.Security security = config.security();
        try {
            DestinationGuard.create(security);
        } catch (IllegalArgumentException e) {
            throw values.invalid("relay.upstream.allowed-networks",
                    "IP networks in CIDR notation, e.g. 10.0.0.0/8 (" + reason(e, "relay.upstream.allowed-networks: ") + ")");
        }
        try {
            HeaderPolicy.create(security);
        } catch (IllegalArgumentException e) {
            throw values.invalid("relay.headers.forward",
                    "headers the relay may forward (" + reason(e, "relay.headers.forward ") + ")");
        }
        RelayConfig.Tls tls = security.tls();
        if (tls.isEnabled()) {
            keystore(tls, values);
        }
        RelayConfig.Operations ops = config.operations();
        if (ops.isAdminApiEnabled() && ops.adminToken().length() < MIN_ADMIN_TOKEN_LENGTH) {
            throw values.invalid("relay.admin.token", "at least " + MIN_ADMIN_TOKEN_LENGTH
                    + " characters (e.g. openssl rand -hex 32), or empty to turn the admin API off");
        }
        if (ops.hasAdminPort() && ops.adminPort() != 0 && ops.adminPort() == config.port()
                && sameAddress(config.host(), ops.adminHost())) {
            throw values.invalid("relay.admin.port", "another port than relay.port (" + config.port()
                    + "), or -1 to serve probes, metrics and the admin API on it");
        }
    }

    private static void keystore(RelayConfig.Tls tls, ConfigValues values) {
        Path path = Path.of(tls.keystore());
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw values.invalid("relay.tls.keystore", "a readable keystore file");
        }
        try (InputStream in = Files.newInputStream(path)) {
            KeyStore.getInstance(tls.keystoreType()).load(in, tls.keystorePassword().toCharArray());
        } catch (IOException | GeneralSecurityException e) {
            // The JDK's messages name what failed ("keystore password was incorrect"), never the password.
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw values.invalid("relay.tls.keystore", "a " + tls.keystoreType()
                    + " keystore that opens with relay.tls.keystore-password (" + why + ")");
        }
    }

    /** Whether two listening addresses overlap: an empty admin host means the relay's own. */
    private static boolean sameAddress(String host, String adminHost) {
        if (adminHost.isEmpty() || adminHost.equals(host)) {
            return true;
        }
        return isWildcard(host) || isWildcard(adminHost);
    }

    private static boolean isWildcard(String host) {
        return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    private static String reason(IllegalArgumentException e, String prefix) {
        String message = String.valueOf(e.getMessage());
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }
}
