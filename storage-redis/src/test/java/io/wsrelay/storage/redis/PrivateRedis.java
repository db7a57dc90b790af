package io.wsrelay.storage.redis;

import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A {@code redis-server} of the test's own, a child process on a free loopback port, without
 * persistence, that the test may {@link #stop()} and {@link #start()} again on the same port: the
 * shared Redis is used by other engineers' tests and must not be stopped.
 */
final class PrivateRedis implements AutoCloseable {

    private final int port;
    private final Path dir;
    private Process process;

    private PrivateRedis() {
        port = freePort();
        try {
            dir = Files.createTempDirectory("wsrelay-redis-" + port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts a server and waits until it answers.
     *
     * @throws AssertionError if {@code redis-server} is missing or does not answer in time
     */
    static PrivateRedis start() {
        PrivateRedis redis = new PrivateRedis();
        redis.startAgain();
        return redis;
    }

    URI url() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    /** Starts the server again on the same port, empty, and waits until it answers. */
    void startAgain() {
        Path log = dir.resolve("redis.log");
        try {
            process = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            throw new AssertionError("cannot run redis-server (" + e.getMessage() + "); install it with: "
                    + "apt-get install redis-server", e);
        }
        try (RedisClient client = RedisClient.create(url())) {
            await("redis-server on port " + port + " to answer").atMost(Timeouts.RECOVERY)
                    .pollInterval(java.time.Duration.ofMillis(20))
                    .ignoreExceptionsInstanceOf(JedisException.class)
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new AssertionError("redis-server on port " + port + " exited (port taken?): "
                                    + Files.readString(log));
                        }
                        return "PONG".equals(client.ping());
                    });
        }
    }

    /** Stops the server (SIGTERM) and waits until it has exited. */
    void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(Timeouts.RECOVERY.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(Timeouts.RECOVERY.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        process = null;
    }

    @Override
    public void close() {
        stop();
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // A leftover temporary directory is harmless.
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
