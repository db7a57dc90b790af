package io.wsrelay.relay.policy;

import io.wsrelay.relay.UpgradeRejectedException;
import io.wsrelay.relay.UpstreamConnectException;
import io.wsrelay.relay.config.RelayConfig;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;

/**
 * The destination guard against server-side request forgery: decides which resolved addresses
 * an upstream may be connected to, and makes the JDK client's own DNS lookups obey it.
 *
 * <p>Rules, in order: an address inside {@code relay.upstream.allowed-networks} is allowed;
 * one in a {@link AddressRanges.Kind#PRIVATE private} range is allowed only with
 * {@code relay.upstream.allow-private-addresses}; one in a
 * {@link AddressRanges.Kind#FORBIDDEN forbidden} range (cloud metadata, multicast, reserved) is
 * refused; public unicast is allowed. A refusal is a 403 {@code destination_not_allowed} to the
 * client and an INFO line with the host, address and range in the log; no connection is made.
 *
 * <p><b>Why a resolver and not a check before connecting.</b> The JDK {@code HttpClient}
 * resolves the host itself, on its own executor, when it opens the socket, and offers no hook
 * for the address: checking a lookup made beforehand leaves a window in which DNS may answer
 * differently (DNS rebinding). Connecting to the checked IP literal instead would need the
 * {@code Host} header (restricted in the JDK client) and SNI and hostname verification set to
 * the original name per connection, which the JDK client does not offer either. So the relay
 * installs a JVM-wide {@link java.net.spi.InetAddressResolverProvider} ({@link
 * GuardedResolverProvider}) that filters every lookup made while a guard is bound to the
 * current thread, and binds this guard around the upgrade's own lookup and around every task
 * of the upstream clients' executor ({@link #guarding(Executor)}). The address the JDK
 * connects to is therefore always one this guard admitted; lookups by anything else in the
 * JVM (the store's JDBC pool, Redis) are untouched. IP literals never reach a resolver, so
 * {@link #check(URI)} judges them directly. The JVM caches lookups
 * ({@code networkaddress.cache.ttl}, 30 s by default) and caches the filtered answer.
 *
 * <p>Immutable apart from a small cache of recent refusals; thread-safe.
 */
public final class DestinationGuard {
    private static final Logger LOG = LoggerFactory.getLogger(DestinationGuard.class);
    /** Bound while a lookup on behalf of an upstream connect runs; read by the resolver. */
    static final ScopedValue<DestinationGuard> CURRENT = ScopedValue.newInstance();
    /**
     * Refusals seen by the resolver during a connect, kept so that the connect's failure (the
     * JDK reports only "unresolved address") can be told from a host that does not exist.
     * Entries are written only for lookups made under this guard, so the size bounds nothing
     * a client controls beyond the endpoints' hosts; one minute outlives any connect timeout.
     */
    private static final int RECENT_REFUSALS = 1024;

    private final boolean allowPrivate;
    private final List<AddressRanges.Cidr> allowedNetworks;
    private final Cache<String, String> recentRefusals = Caffeine.newBuilder()
            .maximumSize(RECENT_REFUSALS).expireAfterWrite(Duration.ofMinutes(1)).build();

    /**
     * @throws IllegalArgumentException if an allowed network is not CIDR notation
     */
    public DestinationGuard(boolean allowPrivate, List<String> allowedNetworks) {
        this.allowPrivate = allowPrivate;
        List<AddressRanges.Cidr> nets = new ArrayList<>();
        for (String n : allowedNetworks) {
            try {
                nets.add(AddressRanges.Cidr.parse(n));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("relay.upstream.allowed-networks: " + e.getMessage(), e);
            }
        }
        this.allowedNetworks = List.copyOf(nets);
    }

    public static DestinationGuard create(RelayConfig.Security security) {
        return new DestinationGuard(security.allowPrivateAddresses(), security.allowedNetworks());
    }

    /** Why {@code address} may not be connected to; empty when it may. */
    Optional<String> refusal(InetAddress address) {
        for (AddressRanges.Cidr n : allowedNetworks) {
            if (n.contains(address)) {
                return Optional.empty();
            }
        }
        return AddressRanges.classify(address).flatMap(range -> switch (range.kind()) {
            case PRIVATE -> allowPrivate ? Optional.empty()
                    : Optional.of(range.name() + " address (relay.upstream.allow-private-addresses is false)");
            case FORBIDDEN -> Optional.of(range.name() + " address (only relay.upstream.allowed-networks opens it)");
        });
    }

    /**
     * Resolves the upstream's host under this guard and refuses it if no admitted address
     * remains. Blocks for the DNS lookup; call on a virtual thread.
     *
     * @throws UpgradeRejectedException 403 {@code destination_not_allowed} if every address of
     *         the host is refused; 502 {@code upstream_unreachable} if it does not resolve
     */
    public void check(URI upstream) {
        String host = bareHost(upstream);
        InetAddress[] addresses;
        try {
            addresses = call(() -> InetAddress.getAllByName(host));
        } catch (UnknownHostException e) {
            throw refusalOrUnresolved(host, e);
        } catch (Exception e) {
            throw new UpstreamConnectException(502, "upstream_unreachable", "upstream host " + host
                    + " could not be resolved", e);
        }
        // Names were filtered by the resolver; literals (and answers the JVM cached from a lookup
        // made outside the guard) are judged here.
        for (InetAddress a : addresses) {
            Optional<String> why = refusal(a);
            if (why.isPresent()) {
                throw refused(host, a, why.get());
            }
        }
    }

    /**
     * What a connect that failed because {@code host} did not resolve means: a refusal by the
     * resolver (403) or a host that does not exist (502).
     */
    public UpgradeRejectedException refusalOrUnresolved(String host, Throwable cause) {
        String why = recentRefusals.getIfPresent(host.toLowerCase(java.util.Locale.ROOT));
        if (why != null) {
            return new UpgradeRejectedException(403, "destination_not_allowed",
                    "the upstream host " + host + " resolves only to addresses the relay may not connect to", cause);
        }
        return new UpstreamConnectException(502, "upstream_unreachable", "upstream host " + host + " does not resolve", cause);
    }

    /** Runs {@code action} with this guard bound, so that lookups it makes are filtered. */
    public <T> T call(Callable<T> action) throws Exception {
        return ScopedValue.where(CURRENT, this).call(action::call);
    }

    /** An executor that runs each task of {@code delegate} with this guard bound. */
    public Executor guarding(Executor delegate) {
        return task -> delegate.execute(() -> ScopedValue.where(CURRENT, this).run(task));
    }

    /**
     * Called by the resolver: the admitted subset of {@code addresses} for {@code host}; logs
     * and remembers each refusal.
     *
     * @throws UnknownHostException if none is admitted
     */
    List<InetAddress> filter(String host, List<InetAddress> addresses) throws UnknownHostException {
        List<InetAddress> admitted = new ArrayList<>(addresses.size());
        String lastRefusal = null;
        for (InetAddress a : addresses) {
            Optional<String> why = refusal(a);
            if (why.isEmpty()) {
                admitted.add(a);
            } else {
                lastRefusal = why.get();
                LOG.info("destination refused: host={} address={} reason={}", host, a.getHostAddress(), lastRefusal);
            }
        }
        if (admitted.isEmpty() && lastRefusal != null) {
            recentRefusals.put(host.toLowerCase(java.util.Locale.ROOT), lastRefusal);
            throw new UnknownHostException(host + ": refused by the wsrelay destination guard (" + lastRefusal + ")");
        }
        return admitted;
    }

    private UpgradeRejectedException refused(String host, InetAddress address, String why) {
        LOG.info("destination refused: host={} address={} reason={}", host, address.getHostAddress(), why);
        return new UpgradeRejectedException(403, "destination_not_allowed",
                "the relay may not connect to the upstream host " + host);
    }

    /** The URI's host without IPv6 brackets. */
    public static String bareHost(URI uri) {
        String host = uri.getHost();
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    @Override
    public String toString() {
        return "DestinationGuard{allowPrivate=" + allowPrivate + ", allowedNetworks=" + allowedNetworks + "}";
    }
}
