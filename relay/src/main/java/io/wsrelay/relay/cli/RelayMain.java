package io.wsrelay.relay.cli;

import com.typesafe.config.Config;
import io.wsrelay.relay.config.ConfigLoader;
import io.wsrelay.relay.config.ConfigurationException;
import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.spi.EndpointStoreProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code wsrelay} command line: runs the relay, applies migrations, checks the configuration,
 * manages endpoints. One class per command ({@link ServeCommand}, {@link EndpointCommand}, ...);
 * this one holds the options every command shares and loads the configuration for them.
 *
 * <p>This is the composition root and the only place that chooses an endpoint store: the
 * {@link EndpointStoreProvider} whose {@code type()} equals {@code relay.store.type}, found by
 * {@link StoreModules} (the archive's {@code storage/<type>/} folder, or the class path), and,
 * for a caching module, the store it caches, opened here and passed in ({@link StoreStack}).
 * Every available module's keys are known to the configuration, whichever is chosen.
 *
 * <p>Exit status: 0 on success; 1 when the command failed (unknown id, store unreachable, port
 * in use); {@value #USAGE} on a usage or configuration error (unknown setting, malformed value,
 * unusable argument). Errors are one line on stderr starting with {@code wsrelay: }; a bad option or
 * parameter adds one line, {@code see 'wsrelay <command> --help'}, instead of the whole usage.
 */
@Command(name = "wsrelay", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "A WebSocket relay for pages served through a proxying web app.",
        subcommands = {ServeCommand.class, MigrateCommand.class, CheckCommand.class, SettingsCommand.class,
                EndpointCommand.class, EchoServerCommand.class, SendCommand.class, DiscoveryCommand.class,
                SessionsCommand.class})
public final class RelayMain {
    /**
     * System properties logback.xml reads for its appender ({@code text} or {@code json}) and the
     * level of {@code io.wsrelay.*}. Logback reads them once, when the first logger is made, so
     * this class makes none before the configuration is loaded: its logger is fetched on use
     * ({@link #log()}), not in a static field.
     */
    static final String LOG_FORMAT_PROPERTY = "wsrelay.log.format";
    static final String LOG_LEVEL_PROPERTY = "wsrelay.log.level";
    /** Status of a usage or configuration error (picocli's own usage errors use it too). */
    static final int USAGE = 2;
    /** In the archive: the default config file, read when no {@code --config} is given. */
    static final String DEFAULT_CONFIG = "conf/wsrelay.conf";

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "Config file (HOCON or .properties) with relay.* keys; the environment and --set override it. "
                    + "From the archive, conf/wsrelay.conf unless given.")
    Path configFile;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", scope = CommandLine.ScopeType.INHERIT,
            description = "Set one relay.* key, e.g. --set relay.port=3002; overrides the environment and the file.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
            description = "One-shot commands: log at relay.log.level (default info) instead of warnings only.")
    boolean verbose;

    private final Map<String, String> environment;
    private final StoreModules modules = StoreModules.current();

    RelayMain(Map<String, String> environment) {
        this.environment = environment;
    }

    public static void main(String[] args) {
        System.exit(run(System.getenv(), args));
    }

    /** Runs one command line on stdout/stderr; returns the exit status. */
    public static int run(Map<String, String> environment, String... args) {
        return run(environment, new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs one command line, writing its output to {@code out} and errors to {@code err}; returns the exit status. */
    public static int run(Map<String, String> environment, PrintWriter out, PrintWriter err, String... args) {
        // Commands that load no configuration (send) still honour the environment's log format.
        String format = environment.get(RelayConfig.environmentName("relay.log.format"));
        if (format != null && (format.equalsIgnoreCase("text") || format.equalsIgnoreCase("json"))) {
            System.setProperty(LOG_FORMAT_PROPERTY, format.toLowerCase(Locale.ROOT));
        }
        CommandLine cli = new CommandLine(new RelayMain(environment));
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((e, arguments) -> {
            // One line and a hint, as every other error, instead of picocli's message and full usage.
            CommandLine command = e.getCommandLine();
            command.getErr().println("wsrelay: " + parameterMessage(e));
            command.getErr().println("see '" + command.getCommandSpec().qualifiedName() + " --help'");
            return USAGE;
        });
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("wsrelay: " + e.getMessage());
            log().debug("command failed", e);
            return e instanceof ConfigurationException || e instanceof UsageException ? USAGE : 1;
        });
        return cli.execute(args);
    }

    /**
     * Picocli's message for a bad option or parameter, on one line; its "option option '--set'"
     * (the word once from the message, once from the option's description) said once.
     */
    static String parameterMessage(CommandLine.ParameterException e) {
        String message = e.getMessage() == null ? "invalid arguments" : e.getMessage();
        return message.replace("option option ", "option ").replaceAll("\\s*\\R\\s*", " ").strip();
    }

    /**
     * The sources of the configuration: flags (with {@code extra} on top), environment, file;
     * the known keys are the relay's and those of every available storage module.
     */
    ConfigLoader loader(Map<String, String> extra) {
        Map<String, String> flags = new LinkedHashMap<>(settings);
        flags.putAll(extra);
        Optional<Path> file = Optional.ofNullable(configFile).or(() -> modules.home()
                .map(home -> home.resolve(DEFAULT_CONFIG)).filter(Files::isRegularFile));
        List<Config> moduleDefaults = modules.available().stream().map(EndpointStoreProvider::defaults).toList();
        return ConfigLoader.load(flags, environment, file, moduleDefaults);
    }

    /**
     * A command's configuration with its store: the relay's settings and the chosen storage
     * module's, both read and checked, nothing opened yet.
     *
     * @param relay  the relay's settings
     * @param store  the configured store, to open
     * @param loader where both came from, for {@code settings}
     */
    record Setup(RelayConfig relay, StoreStack store, ConfigLoader loader) {
    }

    /**
     * The configuration of a one-shot command; logging is warnings only unless {@code --verbose}.
     *
     * @throws ConfigurationException naming the key, if a setting is unknown or malformed
     */
    RelayConfig config() {
        return config(Map.of(), false);
    }

    /**
     * The configuration, with {@code extra} flags on top, and the log format and level chosen
     * from it (before the first logger of the process is made).
     *
     * @param longRunning {@code serve} and {@code echo-server}: log at {@code relay.log.level};
     *                    others log warnings only unless {@code --verbose}
     * @throws ConfigurationException naming the key, if a setting is unknown or malformed
     */
    RelayConfig config(Map<String, String> extra, boolean longRunning) {
        return configure(loader(extra), longRunning);
    }

    private RelayConfig configure(ConfigLoader loader, boolean longRunning) {
        RelayConfig config = loader.config();
        System.setProperty(LOG_FORMAT_PROPERTY, config.operations().logFormat().name().toLowerCase(Locale.ROOT));
        selectLogLevel(loader.value("relay.log.level"), longRunning);
        return config;
    }

    /**
     * The configuration of a one-shot command that uses the store.
     *
     * @throws ConfigurationException naming the key, folder or type, if a setting is unknown or
     *                                malformed or the store module is missing
     */
    Setup setup() {
        return setup(Map.of(), false);
    }

    /** As {@link #config(Map, boolean)}, with the chosen store module's settings read and checked too. */
    Setup setup(Map<String, String> extra, boolean longRunning) {
        ConfigLoader loader = loader(extra);
        RelayConfig config = configure(loader, longRunning);
        return new Setup(config, StoreStack.configure(modules, config.storeType(), loader.values()), loader);
    }

    /** The level of {@code io.wsrelay.*}: {@code configured} for long-running or verbose commands, else WARN. */
    void selectLogLevel(String configured, boolean longRunning) {
        System.setProperty(LOG_LEVEL_PROPERTY, longRunning || verbose ? configured.toUpperCase(Locale.ROOT) : "WARN");
    }

    static Logger log() {
        return LoggerFactory.getLogger(RelayMain.class);
    }
}
