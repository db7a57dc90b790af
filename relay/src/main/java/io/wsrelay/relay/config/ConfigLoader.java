package io.wsrelay.relay.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import org.apache.commons.text.similarity.LevenshteinDistance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads the relay's configuration from its three sources over the defaults tables, strictly:
 * every key a source sets must be a key of the relay's own table ({@value RelayConfig#REFERENCE})
 * or of a storage module's ({@link io.wsrelay.relay.spi.EndpointStoreProvider#defaults}), so a
 * misspelt key stops the process instead of being ignored.
 *
 * <p>Precedence, highest first: flags ({@code --set relay.key=value}), environment variables
 * ({@code WSRELAY_<KEY>}, and {@code WEBSOCKET_PORT} for {@code relay.port}), the config file,
 * the defaults. The known keys are the defaults tables', so a key a module adds to its table is
 * known everywhere at once. Environment variables that start with {@value RelayConfig#ENV_PREFIX}
 * must name a key too, except the launcher's own ({@link #LAUNCHER_VARIABLES}).
 *
 * <p>Immutable and thread-safe once created.
 */
public final class ConfigLoader {

    /** Where an effective value came from, as {@code wsrelay settings} prints it. */
    public enum Source {
        /** The defaults table. */
        DEFAULT,
        /** The config file. */
        FILE,
        /** An environment variable. */
        ENVIRONMENT,
        /** A command-line flag. */
        FLAG;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One key with its effective value.
     *
     * @param key         {@code relay.*} key
     * @param value       the value in effect, as text; a secret's value is never shown (see
     *                    {@link #isSecret(String)})
     * @param source      where the value came from
     * @param environment the environment variable that sets the key
     */
    public record Setting(String key, String value, Source source, String environment) {
    }

    /** {@code WSRELAY_*} variables read by the launcher, not settings. */
    public static final Set<String> LAUNCHER_VARIABLES = Set.of("WSRELAY_JAVA_OPTS", "WSRELAY_JAVA_HOME");

    private static final String FLAG_ORIGIN = "--set";
    private static final String DATA_DIR = "relay.data-dir";
    private static final String ENV_ORIGIN = "environment";

    private final Map<String, String> flags;
    private final Map<String, String> environment;
    private final Config file;
    /** The relay's defaults, then the modules'. */
    private final Config defaults;
    private final Config effective;
    /** {@code $HOME}; null when not set. */
    private final String home;

    private ConfigLoader(Map<String, String> flags, Map<String, String> environment, Config file, Config defaults,
                         String home) {
        this.home = home;
        this.flags = Map.copyOf(flags);
        this.environment = Map.copyOf(environment);
        this.file = file;
        this.defaults = defaults;
        this.effective = ConfigFactory.parseMap(this.flags, FLAG_ORIGIN)
                .withFallback(ConfigFactory.parseMap(this.environment, ENV_ORIGIN))
                .withFallback(file)
                .withFallback(defaults)
                .resolve();
    }

    /** As {@link #load(Map, Map, Optional, List)} with the relay's own keys only (no storage module). */
    public static ConfigLoader load(Map<String, String> flags, Map<String, String> env, Optional<Path> file) {
        return load(flags, env, file, List.of());
    }

    /**
     * Reads and checks the three sources; does not build the configuration yet ({@link #config()}).
     *
     * @param flags keys given on the command line
     * @param env   the process environment; only {@code WSRELAY_*} and {@code WEBSOCKET_PORT} are read
     * @param file  a HOCON or {@code .properties} file
     * @param moduleDefaults the defaults tables of the storage modules
     *                       ({@link io.wsrelay.relay.spi.EndpointStoreProvider#defaults}), whose keys
     *                       are known beside the relay's own
     * @throws ConfigurationException if the file cannot be read or parsed, a source sets a key
     *                                that is in no defaults table (naming the key, its source
     *                                and the nearest known key), or a module declares a key that
     *                                is the relay's or another module's
     */
    public static ConfigLoader load(Map<String, String> flags, Map<String, String> env, Optional<Path> file,
                                    List<Config> moduleDefaults) {
        Config defaults = RelayConfig.reference();
        for (Config module : moduleDefaults) {
            for (Map.Entry<String, ConfigValue> e : module.entrySet()) {
                if (defaults.hasPathOrNull(e.getKey())) {
                    throw new ConfigurationException("setting " + e.getKey() + " declared twice: "
                            + defaults.getValue(e.getKey()).origin().description() + " and "
                            + e.getValue().origin().description());
                }
            }
            defaults = defaults.withFallback(module);
        }
        Set<String> known = keys(defaults);
        for (String key : flags.keySet()) {
            if (!known.contains(key)) {
                throw unknown(key, "--set " + key, known);
            }
        }
        Config fromFile = file.map(ConfigLoader::parse).orElse(ConfigFactory.empty());
        for (Map.Entry<String, ConfigValue> e : fromFile.entrySet()) {
            if (!known.contains(e.getKey())) {
                throw unknown(e.getKey(), e.getValue().origin().description(), known);
            }
        }
        Map<String, String> fromEnv = fromEnvironment(env, known);
        try {
            return new ConfigLoader(flags, fromEnv, fromFile, defaults, env.get("HOME"));
        } catch (ConfigException e) {
            throw new ConfigurationException("invalid configuration: " + e.getMessage(), e);
        }
    }

    private static Set<String> keys(Config defaults) {
        Set<String> keys = new TreeSet<>();
        defaults.entrySet().forEach(e -> keys.add(e.getKey()));
        return keys;
    }

    private static Config parse(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new ConfigurationException("config file not found: " + path);
        }
        try {
            return ConfigFactory.parseFile(path.toFile(), com.typesafe.config.ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException e) {
            throw new ConfigurationException("config file " + path + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** Keys set by {@code WSRELAY_*} variables (and {@code WEBSOCKET_PORT}), refusing variables that name no key. */
    private static Map<String, String> fromEnvironment(Map<String, String> env, Set<String> known) {
        Map<String, String> keyByVariable = new HashMap<>();
        known.forEach(key -> keyByVariable.put(RelayConfig.environmentName(key), key));
        Map<String, String> out = new HashMap<>();
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String variable = e.getKey();
            if (!variable.startsWith(RelayConfig.ENV_PREFIX) || LAUNCHER_VARIABLES.contains(variable)) {
                continue;
            }
            String key = keyByVariable.get(variable);
            if (key == null) {
                String nearest = nearest(variable, keyByVariable.keySet());
                throw new ConfigurationException("unknown setting in the environment: " + variable
                        + "; did you mean " + nearest + " (" + keyByVariable.get(nearest) + ")?");
            }
            out.put(key, e.getValue());
        }
        String port = env.get(RelayConfig.PORT_ENV);
        if (port != null && !out.containsKey("relay.port")) {
            out.put("relay.port", port);
        }
        return out;
    }

    private static ConfigurationException unknown(String key, String where, Set<String> known) {
        return new ConfigurationException("unknown setting " + key + " (" + where + "); did you mean "
                + nearest(key, known) + "?");
    }

    /**
     * The known name closest to {@code name} by edit distance, ignoring case (keys are lower case,
     * variables upper case, and either may be typed in the other); ties: the first in order.
     */
    static String nearest(String name, Iterable<String> known) {
        LevenshteinDistance distance = LevenshteinDistance.getDefaultInstance();
        String folded = name.toLowerCase(Locale.ROOT);
        List<String> candidates = new ArrayList<>();
        known.forEach(candidates::add);
        return candidates.stream().sorted()
                .min(Comparator.comparingInt((String k) -> distance.apply(folded, k.toLowerCase(Locale.ROOT))))
                .orElseThrow();
    }

    /**
     * Builds the relay's configuration (storage modules read theirs from {@link #values()}).
     *
     * @throws ConfigurationException if a value is malformed or out of range, naming the key, the
     *                                value as given and its source
     */
    public RelayConfig config() {
        try {
            return RelayConfig.of(values());
        } catch (IllegalArgumentException e) {
            throw e instanceof ConfigurationException c ? c : new ConfigurationException(e.getMessage(), e);
        }
    }

    /** The effective value of every known key, for typed reads (the relay's and the storage modules'). */
    public ConfigValues values() {
        return new ConfigValues(effective, this::source, home);
    }

    /** Every known key with its default value, in key order: the relay's and the storage modules'. */
    public Map<String, String> defaults() {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> e : defaults.entrySet()) {
            out.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
        }
        return out;
    }

    /**
     * The effective value of one key, as text (secrets included: for the process, not for display).
     *
     * @throws ConfigurationException if {@code key} is not a known setting
     */
    public String value(String key) {
        if (!defaults.hasPathOrNull(key)) {
            throw unknown(key, "asked for", keys(defaults));
        }
        return String.valueOf(effective.getValue(key).unwrapped());
    }

    /** Every known key (the relay's and the storage modules') with its effective value and where it came from, in key order. */
    public List<Setting> settings() {
        List<Setting> out = new ArrayList<>();
        for (String key : keys(defaults)) {
            Source source = source(key);
            String value = String.valueOf(effective.getValue(key).unwrapped());
            if (key.equals(DATA_DIR) && value.isEmpty()) {
                value = values().defaultDataDir().toString();
            }
            out.add(new Setting(key, shown(key, value), source, RelayConfig.environmentName(key)));
        }
        return out;
    }

    private Source source(String key) {
        return flags.containsKey(key) ? Source.FLAG
                : environment.containsKey(key) ? Source.ENVIRONMENT
                : file.hasPathOrNull(key) ? Source.FILE : Source.DEFAULT;
    }

    /** Keys whose values are secrets: passwords and tokens. */
    public static boolean isSecret(String key) {
        return key.endsWith("password") || key.endsWith("token");
    }

    private static String shown(String key, String value) {
        if (value.isEmpty()) {
            return "\"\"";
        }
        if (isSecret(key)) {
            return "(secret)"; // not even its length
        }
        // user:password@ in a URL (relay.store.redis.url, a JDBC URL) is a secret too.
        return ConfigValues.redact(value);
    }

    @Override
    public String toString() {
        return "ConfigLoader{flags=" + flags.keySet() + ", environment=" + environment.keySet() + "}";
    }
}
