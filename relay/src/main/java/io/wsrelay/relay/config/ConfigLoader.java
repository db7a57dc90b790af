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

/**
 * Reads the relay's configuration from its three sources over the defaults table
 * ({@value RelayConfig#REFERENCE}), strictly: every key a source sets must be a key of that
 * table, so a misspelt key stops the process instead of being ignored.
 *
 * <p>Precedence, highest first: flags ({@code --set relay.key=value}), environment variables
 * ({@code WSRELAY_<KEY>}, and {@code WEBSOCKET_PORT} for {@code relay.port}), the config file,
 * the defaults. The known keys are the defaults table's, so a key added there (by any module) is
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
    private static final String ENV_ORIGIN = "environment";

    private final Map<String, String> flags;
    private final Map<String, String> environment;
    private final Config file;
    private final Config merged;

    private ConfigLoader(Map<String, String> flags, Map<String, String> environment, Config file) {
        this.flags = Map.copyOf(flags);
        this.environment = Map.copyOf(environment);
        this.file = file;
        this.merged = ConfigFactory.parseMap(this.flags, FLAG_ORIGIN)
                .withFallback(ConfigFactory.parseMap(this.environment, ENV_ORIGIN))
                .withFallback(file);
    }

    /**
     * Reads and checks the three sources; does not build the configuration yet ({@link #config()}).
     *
     * @param flags keys given on the command line
     * @param env   the process environment; only {@code WSRELAY_*} and {@code WEBSOCKET_PORT} are read
     * @param file  a HOCON or {@code .properties} file
     * @throws ConfigurationException if the file cannot be read or parsed, or a source sets a key
     *                                that is not in the defaults table (naming the key, its source
     *                                and the nearest known key)
     */
    public static ConfigLoader load(Map<String, String> flags, Map<String, String> env, Optional<Path> file) {
        Set<String> known = RelayConfig.documentedDefaults().keySet();
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
        return new ConfigLoader(flags, fromEnvironment(env, known), fromFile);
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

    /** The known name closest to {@code name} by edit distance (ties: the first in order). */
    static String nearest(String name, Iterable<String> known) {
        LevenshteinDistance distance = LevenshteinDistance.getDefaultInstance();
        List<String> candidates = new ArrayList<>();
        known.forEach(candidates::add);
        return candidates.stream().sorted()
                .min(Comparator.comparingInt((String k) -> distance.apply(name, k)))
                .orElseThrow();
    }

    /**
     * Builds the configuration.
     *
     * @throws ConfigurationException if a value is malformed or out of range, naming the key, the
     *                                value as given and its source
     */
    public RelayConfig config() {
        try {
            return RelayConfig.of(merged);
        } catch (IllegalArgumentException e) {
            throw e instanceof ConfigurationException c ? c : new ConfigurationException(e.getMessage(), e);
        }
    }

    /**
     * The effective value of one key, as text (secrets included: for the process, not for display).
     *
     * @throws ConfigurationException if {@code key} is not a known setting
     */
    public String value(String key) {
        if (!RelayConfig.documentedDefaults().containsKey(key)) {
            throw unknown(key, "asked for", RelayConfig.documentedDefaults().keySet());
        }
        return String.valueOf(effective().getValue(key).unwrapped());
    }

    private Config effective() {
        return merged.withFallback(ConfigFactory.parseResources(RelayConfig.class.getClassLoader(), RelayConfig.REFERENCE));
    }

    /** Every key with its effective value and where it came from, in key order. */
    public List<Setting> settings() {
        Config effective = effective();
        List<Setting> out = new ArrayList<>();
        for (String key : RelayConfig.documentedDefaults().keySet()) {
            Source source = flags.containsKey(key) ? Source.FLAG
                    : environment.containsKey(key) ? Source.ENVIRONMENT
                    : file.hasPathOrNull(key) ? Source.FILE : Source.DEFAULT;
            String value = String.valueOf(effective.getValue(key).unwrapped());
            out.add(new Setting(key, shown(key, value), source, RelayConfig.environmentName(key)));
        }
        return out;
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
            return "(secret, " + value.length() + " characters)";
        }
        // user:password@ in a URL (relay.store.redis.url, a JDBC URL) is a secret too.
        return value.replaceAll("(://[^/@:]*:)[^/@]*@", "$1***@").replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    @Override
    public String toString() {
        return "ConfigLoader{flags=" + flags.keySet() + ", environment=" + environment.keySet() + "}";
    }
}
