package io.wsrelay.benchmarks;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A few JDK {@link HttpClient}s that open the load connections, spread round-robin.
 *
 * <p>Why several: each {@code HttpClient} has one selector thread that reads every socket it
 * owns and runs the WebSocket listeners, so one client caps the generator at one core. One client
 * per core (the default) lets the generator use the machine; one per connection would cost a
 * selector thread and its buffers per socket, which matters at 9,000 connections.
 *
 * <p>Not thread-safe: open from one thread. {@link #close()} shuts every client down, bounded.
 */
final class ClientPool implements AutoCloseable {

    /** How long {@link #close()} waits for the clients' threads to end. */
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(2);

    private final List<HttpClient> clients = new ArrayList<>();
    private final Settings settings;

    /**
     * How connections are opened.
     *
     * @param clients        number of {@code HttpClient}s, 1 or more
     * @param parallel       most opening handshakes in progress at once
     * @param connectTimeout TCP connect plus opening handshake, per connection
     * @param openTimeout    opening all the connections of a run, together
     */
    record Settings(int clients, int parallel, Duration connectTimeout, Duration openTimeout) {
    }

    ClientPool(Settings settings) {
        this.settings = settings;
        for (int i = 0; i < settings.clients(); i++) {
            clients.add(HttpClient.newBuilder().connectTimeout(settings.connectTimeout()).build());
        }
    }

    /**
     * Opens one connection per listener, at most {@code parallel} handshakes at a time, and waits
     * for all of them, but no longer than {@code openTimeout}. Failures and connections not open
     * in time are counted as {@link FailureKind#CONNECT} and left out of the result.
     *
     * @return the listeners whose connection opened, in their original order
     * @throws InterruptedException if interrupted while waiting; connections already open stay open
     */
    List<EchoConnection> openAll(URI uri, List<EchoConnection> listeners, Failures failures)
            throws InterruptedException {
        long deadlineNanos = System.nanoTime() + settings.openTimeout().toNanos();
        Semaphore handshakes = new Semaphore(settings.parallel());
        List<CompletableFuture<WebSocket>> pending = new ArrayList<>(listeners.size());
        for (int i = 0; i < listeners.size(); i++) {
            EchoConnection listener = listeners.get(i);
            if (!handshakes.tryAcquire(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                pending.add(CompletableFuture.failedFuture(new TimeoutException("not started before the open deadline")));
                continue;
            }
            CompletableFuture<WebSocket> f = clients.get(i % clients.size()).newWebSocketBuilder()
                    .connectTimeout(settings.connectTimeout())
                    .buildAsync(uri, listener);
            f.whenComplete((ws, failure) -> handshakes.release());
            pending.add(f);
        }
        List<EchoConnection> open = new ArrayList<>(listeners.size());
        for (int i = 0; i < pending.size(); i++) {
            CompletableFuture<WebSocket> f = pending.get(i);
            try {
                listeners.get(i).opened(f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS));
                open.add(listeners.get(i));
            } catch (ExecutionException e) {
                failures.record(FailureKind.CONNECT, e.getCause());
            } catch (TimeoutException e) {
                failures.record(FailureKind.CONNECT, "handshake not done before the open deadline");
                // A late handshake must not leave an open socket nobody closes.
                f.thenAccept(WebSocket::abort);
            }
        }
        return open;
    }

    /** The client for connection {@code i}, round-robin. */
    HttpClient client(int i) {
        return clients.get(Math.floorMod(i, clients.size()));
    }

    @Override
    public void close() {
        for (HttpClient client : clients) {
            client.shutdownNow();
        }
        try {
            for (HttpClient client : clients) {
                client.awaitTermination(SHUTDOWN_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
