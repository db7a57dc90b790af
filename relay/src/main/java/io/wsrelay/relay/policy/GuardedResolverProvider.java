package io.wsrelay.relay.policy;

import io.wsrelay.relay.RelayServer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.List;
import java.util.stream.Stream;

/**
 * The JVM's name resolver while the relay is on the class path: the built-in resolver, with
 * the answers of lookups made under a bound {@link DestinationGuard} filtered by that guard.
 * See {@link DestinationGuard} for why the relay resolves this way.
 *
 * <p>Registered in {@code META-INF/services/java.net.spi.InetAddressResolverProvider}; the JDK
 * loads it once, at the first lookup in the JVM. It is not loaded when the
 * {@code jdk.net.hosts.file} system property is set (the JDK then uses only that file), and a
 * provider earlier on the class path wins; {@link #isInstalled()} tells whether this one runs.
 * Lookups outside a guard, and reverse lookups, go to the built-in resolver unchanged.
 *
 * <p>Public only because {@link java.util.ServiceLoader} instantiates it; not part of the API.
 */
public final class GuardedResolverProvider extends InetAddressResolverProvider {
    // Set once by the JDK's single call to get(); read by RelayServer to warn when the guard
    // cannot see the JDK client's lookups.
    private static volatile boolean installed;

    @Override
    public InetAddressResolver get(Configuration configuration) {
        installed = true;
        return new Resolver(configuration.builtinResolver());
    }

    @Override
    public String name() {
        return "wsrelay destination guard";
    }

    /** Whether the JVM resolves names through this provider (false until the first lookup). */
    public static boolean isInstalled() {
        return installed;
    }

    private record Resolver(InetAddressResolver builtin) implements InetAddressResolver {
        @Override
        public Stream<InetAddress> lookupByName(String host, LookupPolicy lookupPolicy) throws UnknownHostException {
            Stream<InetAddress> found = builtin.lookupByName(host, lookupPolicy);
            if (!DestinationGuard.CURRENT.isBound()) {
                return found;
            }
            List<InetAddress> all = found.toList();
            return DestinationGuard.CURRENT.get().filter(host, all).stream();
        }

        @Override
        public String lookupByAddress(byte[] addr) throws UnknownHostException {
            return builtin.lookupByAddress(addr);
        }
    }
}
