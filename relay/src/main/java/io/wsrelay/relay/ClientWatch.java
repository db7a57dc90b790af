package io.wsrelay.relay;

import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Watches a client's connection while its opening handshake waits for the upstream, so that a
 * client that leaves is noticed at once instead of after the connect timeout. Jetty does not
 * read an HTTP/1.1 connection while a request is being handled, so the watch asks for read
 * interest itself: end of stream (or a read failure) means the client is gone; bytes mean it
 * broke RFC 6455 §4.1 (a client sends nothing after its handshake until the response), and
 * they could not be handed on, so the handshake is refused.
 *
 * <p>{@link #stop()} must be called before the upgrade proceeds: once it returns the watch
 * never reads again and holds no read interest, so the WebSocket connection gets every byte.
 * Thread-safe; a lock orders the read callback against {@link #stop()}.
 */
final class ClientWatch implements Callback {
    /** What the watch saw. */
    enum Outcome {
        /** The connection ended (or failed). */
        GONE,
        /** The client sent bytes before the response to its handshake. */
        EARLY_DATA
    }

    private final EndPoint endPoint;
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private final ReentrantLock lock = new ReentrantLock();
    /** Small: a reading that finds anything at all ends the watch. */
    private final ByteBuffer buffer = BufferUtil.allocate(64);
    private boolean watching;

    private ClientWatch(EndPoint endPoint) {
        this.endPoint = endPoint;
    }

    /** Starts watching the connection of {@code request}; a watch that cannot start never completes. */
    static ClientWatch start(Request request) {
        ClientWatch watch = new ClientWatch(request.getConnectionMetaData().getConnection().getEndPoint());
        watch.lock.lock();
        try {
            watch.watching = watch.endPoint.tryFillInterested(watch);
        } finally {
            watch.lock.unlock();
        }
        return watch;
    }

    /** Completes when the client is gone or broke the handshake; never completes while all is well. */
    CompletableFuture<Outcome> outcome() {
        return outcome;
    }

    @Override
    public void succeeded() {
        lock.lock();
        try {
            if (!watching) {
                return;
            }
            int filled = endPoint.fill(buffer);
            if (filled < 0) {
                end(Outcome.GONE);
            } else if (filled > 0) {
                end(Outcome.EARLY_DATA);
            } else if (!endPoint.tryFillInterested(this)) {
                watching = false;
            }
        } catch (IOException e) {
            end(Outcome.GONE);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void failed(Throwable x) {
        lock.lock();
        try {
            if (watching) {
                end(Outcome.GONE);
            }
        } finally {
            lock.unlock();
        }
    }

    private void end(Outcome seen) {
        watching = false;
        outcome.complete(seen);
    }

    /** Ends the watch and withdraws its read interest; idempotent. */
    void stop() {
        lock.lock();
        try {
            if (watching) {
                watching = false;
                if (endPoint instanceof AbstractEndPoint a && a.isFillInterested()) {
                    a.getFillInterest().onFail(new CancellationException("upstream connect finished"));
                }
            }
        } finally {
            lock.unlock();
        }
    }
}
