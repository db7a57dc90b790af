package io.wsrelay.relay.spi;

import com.typesafe.config.Config;
import io.wsrelay.relay.config.ConfigValues;

import java.util.Optional;

/**
 * One storage module's way in: the {@code relay.store.type} it answers to, the settings it reads
 * (keys, defaults, checks) and how its store is opened. Found with {@link java.util.ServiceLoader}
 * by the composition root only ({@code io.wsrelay.relay.cli}), which picks the provider whose
 * {@link #type()} equals {@code relay.store.type} and fails, naming the types it found, if none
 * or several match.
 *
 * <p>Lifecycle, as the composition root runs it: the providers are instantiated and their
 * {@link #defaults()} read <em>before</em> the configuration is loaded (their keys are known in
 * every source) and before logging is set up, so a provider makes no logger in a static field or
 * its constructor. Once the sources are read, the chosen provider {@linkplain #configure reads
 * and checks} its settings: a bad value is a configuration error before anything is opened.
 * Then the root opens the store ({@link ConfiguredStore#open}); for a caching module
 * ({@link #cachedType()}) it opens the store of that type first and passes it in.
 *
 * <p>Implementations are stateless and thread-safe, with a public no-argument constructor.
 */
public interface EndpointStoreProvider {

    /** The value of {@code relay.store.type} that selects this provider, e.g. {@code "sql"}. */
    String type();

    /**
     * The keys this module reads, with their defaults: HOCON under {@code relay.store}, the way
     * the relay's own {@code wsrelay-reference.conf} is written (usually parsed from a resource
     * in the module's jar). The configuration loader knows these keys beside the relay's, so a
     * misspelt one is refused naming the nearest, and {@code wsrelay settings} shows them. A key
     * the relay or another module already declares is refused.
     */
    Config defaults();

    /**
     * Reads and checks this module's settings from the effective configuration, without opening
     * anything.
     *
     * @param settings every known key's effective value; read this module's keys (and
     *                 {@link ConfigValues#dataDir()} if it keeps files)
     * @throws io.wsrelay.relay.config.ConfigurationException naming the key, the value as given
     *                                                        and its source, if one is invalid
     */
    ConfiguredStore configure(ConfigValues settings);

    /**
     * For a caching module: the type of the store it is put in front of (its source of truth),
     * e.g. {@code "sql"}. The composition root configures and opens that store first, with
     * {@link StoreContext#behindCache()}, and passes it to this one's
     * {@link ConfiguredStore#open} as {@link StoreContext#delegate()}. Empty (the default) for a
     * store of its own.
     */
    default Optional<String> cachedType() {
        return Optional.empty();
    }
}
