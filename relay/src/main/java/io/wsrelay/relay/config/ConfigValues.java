package io.wsrelay.relay.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * The effective configuration of one process (every source merged over the defaults of the relay
 * and of its storage modules), read key by key with its type and range. Every failure is a
 * {@link ConfigurationException} naming the key, the value as given, what was expected and where
 * the value came from, e.g. {@code relay.store.pool-size must be a whole number of at least 1,
 * was '0' (from --set)}.
 *
 * <p>What {@link RelayConfig} is built from, and what a storage module reads its own keys from
 * ({@link io.wsrelay.relay.spi.EndpointStoreProvider#configure}). Made by {@link ConfigLoader#values()};
 * immutable and thread-safe.
 */
public final class ConfigValues {
    private final Config c;
    private final Function<String, ConfigLoader.Source> sources;
    /** {@code $HOME} of the process; null when not set. */
    private final String home;

    ConfigValues(Config resolved, Function<String, ConfigLoader.Source> sources, String home) {
        this.c = Objects.requireNonNull(resolved, "resolved");
        this.sources = Objects.requireNonNull(sources, "sources");
        this.home = home;
    }

    /** A string; empty strings are values too. */
    public String string(String key) {
        try {
            return c.getString(key);
        } catch (ConfigException e) {
            throw bad(key, "a string", e);
        }
    }

    /** {@code true} or {@code false} (HOCON also takes {@code yes}, {@code no}, {@code on}, {@code off}). */
    public boolean bool(String key) {
        try {
            return c.getBoolean(key);
        } catch (ConfigException e) {
            throw bad(key, "true or false", e);
        }
    }

    /** A whole number from {@code min} to {@code max}. */
    public int integer(String key, int min, int max) {
        int value;
        try {
            value = c.getInt(key);
        } catch (ConfigException e) {
            throw bad(key, range("a whole number", min, max), e);
        }
        if (value < min || value > max) {
            throw bad(key, range("a whole number", min, max), null);
        }
        return value;
    }

    /** A size in bytes ({@code 8KiB}, {@code 64MiB} or a plain count) from {@code min} to {@code max}. */
    public long bytes(String key, long min, long max) {
        long value;
        try {
            value = c.getBytes(key);
        } catch (ConfigException e) {
            throw bad(key, range("a size (bytes, or with KiB, MiB, GiB)", min, max), e);
        }
        if (value < min || value > max) {
            throw bad(key, range("a size in bytes", min, max), null);
        }
        return value;
    }

    /** A duration with its unit ({@code 500ms}, {@code 10s}); positive, or also zero when {@code zeroAllowed}. */
    public Duration duration(String key, boolean zeroAllowed) {
        Duration value;
        String expected = zeroAllowed ? "a duration of 0 or more (500ms, 10s, 2m)" : "a positive duration (500ms, 10s, 2m)";
        try {
            value = c.getDuration(key);
        } catch (ConfigException e) {
            throw bad(key, expected, e);
        }
        if (value.isNegative() || (!zeroAllowed && value.isZero())) {
            throw bad(key, expected, null);
        }
        return value;
    }

    /** A HOCON list, or (from the environment and flags, which carry strings) one comma-separated string; blanks are dropped. */
    public List<String> list(String key) {
        try {
            if (c.getValue(key).valueType() == ConfigValueType.LIST) {
                return c.getStringList(key);
            }
            return Arrays.stream(c.getString(key).split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        } catch (ConfigException e) {
            throw bad(key, "a list of strings (comma-separated in the environment and flags)", e);
        }
    }

    /** One of {@code choices} (upper case), case-insensitive; returns it upper-cased. */
    public String choice(String key, List<String> choices) {
        String value = string(key).strip().toUpperCase(Locale.ROOT);
        if (!choices.contains(value)) {
            throw bad(key, "one of " + String.join(", ", choices.stream().map(ch -> ch.toLowerCase(Locale.ROOT)).toList()), null);
        }
        return value;
    }

    /**
     * The relay's data directory, {@code relay.data-dir}: where a module keeps its files (the
     * embedded database); {@code ~/.wsrelay} when the key is empty, {@code ~} being {@code $HOME}
     * when it is set and the JVM's {@code user.home} otherwise.
     */
    public Path dataDir() {
        String dir = string("relay.data-dir");
        return dir.isEmpty() ? defaultDataDir() : Path.of(dir);
    }

    /** {@code $HOME/.wsrelay}, or {@code user.home/.wsrelay} when {@code HOME} is not set or empty. */
    Path defaultDataDir() {
        String base = home == null || home.isEmpty() ? System.getProperty("user.home") : home;
        return Path.of(base, ".wsrelay");
    }

    /**
     * A value that passed its type check but not a rule of its own (a URL's scheme, an empty
     * prefix): the same message form as the type checks.
     *
     * @param expected what the value must be, e.g. {@code "a redis:// or rediss:// URL"}
     */
    public ConfigurationException invalid(String key, String expected) {
        return bad(key, expected, null);
    }

    private static String range(String what, long min, long max) {
        if (max == Integer.MAX_VALUE || max == Long.MAX_VALUE) {
            return what + " of at least " + min;
        }
        return what + " from " + min + " to " + max;
    }

    /**
     * {@code text} with the user information of any URL in it masked ({@code user:***@}, or
     * {@code ***@} without a user name) and {@code password=} parameters masked: a value fit for a
     * message or a log line.
     */
    public static String redact(String text) {
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (int sep = text.indexOf("://"); sep >= 0; sep = text.indexOf("://", from)) {
            int start = sep + 3;
            int end = start;
            while (end < text.length() && "/?#".indexOf(text.charAt(end)) < 0 && !Character.isWhitespace(text.charAt(end))) {
                end++;
            }
            int at = text.lastIndexOf('@', end - 1);
            out.append(text, from, start);
            if (at >= start) {
                int colon = text.indexOf(':', start);
                if (colon >= 0 && colon < at) {
                    out.append(text, start, colon + 1);
                }
                out.append("***");
                from = at;
            } else {
                from = start;
            }
        }
        out.append(text, from, text.length());
        return out.toString().replaceAll("(?i)(password=)[^&;\\s]*", "$1***");
    }

    private ConfigurationException bad(String key, String expected, Exception cause) {
        ConfigValue value = c.hasPathOrNull(key) ? c.getValue(key) : null;
        String given = value == null ? "nothing"
                : ConfigLoader.isSecret(key) ? secretType(value) + " (a secret, not shown)"
                : "'" + redact(String.valueOf(value.unwrapped())) + "'";
        String from = value == null ? "" : " (" + source(key, value) + ")";
        return new ConfigurationException(key + " must be " + expected + ", was " + given + from, cause);
    }

    /** "a list", "an object", ...: what a secret was, without its value. */
    private static String secretType(ConfigValue value) {
        String type = value.valueType().name().toLowerCase(Locale.ROOT);
        return (type.startsWith("o") ? "an " : "a ") + type;
    }

    private String source(String key, ConfigValue value) {
        return switch (sources.apply(key)) {
            case FLAG -> "from --set";
            case ENVIRONMENT -> "from the environment";
            case FILE -> "from " + value.origin().description();
            case DEFAULT -> "the default";
        };
    }

    @Override
    public String toString() {
        return "ConfigValues{" + c.root().keySet() + "}";
    }
}
