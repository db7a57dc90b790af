package io.wsrelay.relay.cli;

import io.wsrelay.relay.config.ConfigurationException;
import io.wsrelay.relay.spi.EndpointStoreProvider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * Where the {@link EndpointStoreProvider} of a {@code relay.store.type} comes from.
 *
 * <p>In the distribution archive the relay jar sits in {@code <home>/lib/} and each storage
 * module, with the libraries it needs beyond the relay's, in a folder of its own,
 * {@code <home>/storage/<type>/}. Each folder gets a class loader of its own whose parent is the
 * relay's, so no module sees another's jars; only the chosen module's store is opened, and its
 * loader becomes the context class loader. A type without a folder is refused naming the folder
 * looked for. Anywhere else (a source checkout, tests, an application that puts the storage
 * modules on its class path) the providers on the relay's own class path are used.
 *
 * <p>Either way the provider is the one whose {@code type()} equals the configured type; none or
 * several is an error naming the types found. Never "first on the class path wins". A caching
 * module's delegate ({@link EndpointStoreProvider#cachedType()}) comes from the caching module's
 * own class loader: in the archive its folder carries the store it fronts.
 *
 * <p>Before the configuration is read, {@link #available()} lists one provider per installed
 * module, so that every module's keys are known whichever type is chosen.
 * Not thread-safe: the composition root uses it from one thread.
 */
final class StoreModules {
    /** Folder of the storage modules, beside {@code lib/}. */
    static final String STORAGE = "storage";
    /** Folder of the relay jar and its libraries. */
    static final String LIB = "lib";

    private final Optional<Path> home;
    private final ClassLoader relayLoader;
    /** In the archive: each module folder's class loader, made once. */
    private final Map<String, ClassLoader> folderLoaders = new HashMap<>();

    private StoreModules(Optional<Path> home, ClassLoader relayLoader) {
        this.home = home;
        this.relayLoader = relayLoader;
    }

    /** For the classes of this process: an archive when they come from {@code <home>/lib/*.jar} with a {@code <home>/storage/} beside it. */
    static StoreModules current() {
        return new StoreModules(installation(), StoreModules.class.getClassLoader());
    }

    /** The archive root of this process's relay jar, if it runs from an unpacked archive. */
    static Optional<Path> installation() {
        try {
            var source = StoreModules.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return Optional.empty();
            }
            Path jar = Path.of(source.getLocation().toURI());
            Path lib = jar.getParent();
            if (!Files.isRegularFile(jar) || lib == null || !lib.getFileName().toString().equals(LIB)) {
                return Optional.empty();
            }
            Path root = lib.getParent();
            return root != null && Files.isDirectory(root.resolve(STORAGE)) ? Optional.of(root) : Optional.empty();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The archive root, if any. */
    Optional<Path> home() {
        return home;
    }

    /**
     * The provider of {@code type}. In an archive, loads {@code storage/<type>/} and makes its
     * class loader the calling thread's context class loader, so that JDBC drivers and other
     * services of the module are found by the libraries that look there.
     *
     * @throws ConfigurationException naming the folder looked for, or the types found, if no
     *                                single provider of {@code type} is there
     */
    EndpointStoreProvider provider(String type) {
        Objects.requireNonNull(type, "type");
        if (home.isEmpty()) {
            return select(type, ServiceLoader.load(EndpointStoreProvider.class, relayLoader), "on the class path");
        }
        if (type.isBlank() || type.contains("/") || type.contains("\\") || type.contains("..")) {
            throw new ConfigurationException("relay.store.type names a storage module, not a path: '" + type
                    + "'; installed: " + installed() + " (folders of " + home.get().resolve(STORAGE) + ")");
        }
        Path folder = home.get().resolve(STORAGE).resolve(type);
        if (!Files.isDirectory(folder)) {
            throw new ConfigurationException("no storage module '" + type + "' (relay.store.type): folder "
                    + folder + " does not exist; installed: " + installed());
        }
        ClassLoader loader = folderLoader(type);
        Thread.currentThread().setContextClassLoader(loader);
        return select(type, ServiceLoader.load(EndpointStoreProvider.class, loader), "in " + folder);
    }

    private ClassLoader folderLoader(String type) {
        return folderLoaders.computeIfAbsent(type, t -> new URLClassLoader("wsrelay-storage-" + t,
                jars(home.orElseThrow().resolve(STORAGE).resolve(t)), relayLoader));
    }

    /**
     * The store that {@code cache} is put in front of: the provider of {@code type} found where
     * {@code cache} was (its class loader).
     *
     * @throws ConfigurationException naming the types found, if no single provider of {@code type} is there
     */
    EndpointStoreProvider delegate(EndpointStoreProvider cache, String type) {
        return select(type, ServiceLoader.load(EndpointStoreProvider.class, cache.getClass().getClassLoader()),
                "beside the " + cache.type() + " store module");
    }

    /**
     * One provider per installed module, for the keys they declare: on the class path every
     * provider found; in the archive, of each {@code storage/<type>/} folder the provider of that
     * type (a folder without one is skipped here, and refused when chosen). Instantiates the
     * providers, nothing more: no store is opened.
     */
    List<EndpointStoreProvider> available() {
        if (home.isEmpty()) {
            List<EndpointStoreProvider> all = new ArrayList<>();
            ServiceLoader.load(EndpointStoreProvider.class, relayLoader).forEach(all::add);
            return all;
        }
        List<EndpointStoreProvider> out = new ArrayList<>();
        for (String type : installed()) {
            ServiceLoader.load(EndpointStoreProvider.class, folderLoader(type)).stream()
                    .map(ServiceLoader.Provider::get)
                    .filter(p -> p.type().equals(type))
                    .findFirst()
                    .ifPresent(out::add);
        }
        return out;
    }

    /** The storage module folders of the archive, by name. */
    List<String> installed() {
        try (Stream<Path> folders = Files.list(home.orElseThrow().resolve(STORAGE))) {
            return folders.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static URL[] jars(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            List<URL> urls = new ArrayList<>();
            for (Path jar : files.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                urls.add(jar.toUri().toURL());
            }
            return urls.toArray(URL[]::new);
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("cannot load " + folder + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }

    private static EndpointStoreProvider select(String type, ServiceLoader<EndpointStoreProvider> loader, String where) {
        List<EndpointStoreProvider> all = new ArrayList<>();
        loader.forEach(all::add);
        List<EndpointStoreProvider> matching = all.stream().filter(p -> p.type().equals(type)).toList();
        if (matching.size() != 1) {
            List<String> types = all.stream().map(EndpointStoreProvider::type).toList();
            throw new ConfigurationException((matching.isEmpty() ? "no" : "more than one")
                    + " endpoint store of type '" + type + "' (relay.store.type) " + where + "; found: " + types);
        }
        return matching.getFirst();
    }
}
