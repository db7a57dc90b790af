package io.wsrelay.relay;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real nginx (the Debian package's binary) serving a site file, in a process of its own with
 * its own prefix directory, config, pid file, logs and an ephemeral loopback port, so it never
 * meets another nginx on the machine. Stopped (SIGTERM, then SIGKILL) on close.
 */
public final class Nginx implements AutoCloseable {
    private static final List<Path> BINARIES = List.of(Path.of("/usr/sbin/nginx"), Path.of("/usr/bin/nginx"));

    private final Process process;
    private final Path dir;
    private final int port;

    private Nginx(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /**
     * Starts nginx with {@code site} included in its {@code http} block.
     *
     * @param dir             an empty directory for the prefix, config, logs and temp files
     * @param site            the site file's text, with its ports already set; it must listen on
     *                        {@link #freePort()}'s result, passed as {@code port}
     * @param port            the port the site listens on
     * @param httpDirectives  more directives for the {@code http} block (e.g. {@code proxy_read_timeout 3s;})
     */
    public static Nginx start(Path dir, String site, int port, String httpDirectives) throws Exception {
        Path binary = binary();
        Files.writeString(dir.resolve("site.conf"), site, StandardCharsets.UTF_8);
        String user = "root".equals(System.getProperty("user.name")) ? "user root;\n" : "";
        String conf = user
                + "daemon off;\nworker_processes 1;\n"
                + "pid " + dir.resolve("nginx.pid") + ";\n"
                + "error_log " + dir.resolve("error.log") + " info;\n"
                + "events { worker_connections 256; }\n"
                + "http {\n"
                + "  access_log " + dir.resolve("access.log") + ";\n"
                + "  client_body_temp_path " + dir.resolve("client_body") + ";\n"
                + "  proxy_temp_path " + dir.resolve("proxy") + ";\n"
                + "  fastcgi_temp_path " + dir.resolve("fastcgi") + ";\n"
                + "  uwsgi_temp_path " + dir.resolve("uwsgi") + ";\n"
                + "  scgi_temp_path " + dir.resolve("scgi") + ";\n"
                + "  " + httpDirectives + "\n"
                + "  include " + dir.resolve("site.conf") + ";\n"
                + "}\n";
        Path confFile = dir.resolve("nginx.conf");
        Files.writeString(confFile, conf, StandardCharsets.UTF_8);
        List<String> base = List.of(binary.toString(), "-p", dir.toString(), "-c", confFile.toString());
        Process check = new ProcessBuilder(concat(base, "-t")).redirectErrorStream(true).start();
        String checked = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!check.waitFor(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS) || check.exitValue() != 0) {
            throw new AssertionError("nginx -t refused the config:\n" + checked + "\n" + conf + "\n" + site);
        }
        Process process = new ProcessBuilder(base).redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile()).start();
        Nginx nginx = new Nginx(process, dir, port);
        try {
            await().atMost(Timeouts.MESSAGE).until(nginx::accepts);
        } catch (RuntimeException e) {
            nginx.close();
            throw new AssertionError("nginx did not start listening on " + port + ":\n" + nginx.errorLog(), e);
        }
        return nginx;
    }

    /** The nginx binary, or a failure that says how to install it. */
    static Path binary() {
        return BINARIES.stream().filter(Files::isExecutable).findFirst().orElseThrow(() -> new AssertionError(
                "nginx is not installed: run .ci/install-nginx.sh (apt-get install nginx, the Debian package)"));
    }

    /** A loopback port free a moment ago (nginx cannot report an ephemeral port it bound). */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * {@code text} with each key replaced by its value; fails unless each key occurs exactly once,
     * so a changed template cannot silently go untested.
     */
    public static String replaceOnce(String text, Map<String, String> replacements) {
        String out = text;
        for (Map.Entry<String, String> r : replacements.entrySet()) {
            int first = out.indexOf(r.getKey());
            if (first < 0 || out.indexOf(r.getKey(), first + 1) >= 0) {
                throw new AssertionError("expected '" + r.getKey() + "' exactly once in the site file");
            }
            out = out.replace(r.getKey(), r.getValue());
        }
        return out;
    }

    private boolean accepts() {
        if (!process.isAlive()) {
            throw new IllegalStateException("nginx exited with " + process.exitValue());
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code http://127.0.0.1:<port><pathAndQuery>} */
    public URI http(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    /** {@code ws://127.0.0.1:<port><pathAndQuery>} */
    public URI ws(String pathAndQuery) {
        return URI.create("ws://127.0.0.1:" + port + pathAndQuery);
    }

    /** nginx's error log so far, for failure messages. */
    public String errorLog() {
        try {
            return Files.readString(dir.resolve("error.log"));
        } catch (IOException e) {
            return "(no error log: " + e + ")";
        }
    }

    private static List<String> concat(List<String> base, String arg) {
        return java.util.stream.Stream.concat(base.stream(), java.util.stream.Stream.of(arg)).toList();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: nginx's fast shutdown
        if (!process.waitFor(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(Duration.ofSeconds(5).toSeconds(), TimeUnit.SECONDS);
        }
    }
}
