package io.wsrelay.relay;

import java.io.IOException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Writes message parts to the upstream through the JDK {@link WebSocket}, one at a time,
 * blocking until each is written (the JDK allows one outstanding text/binary send). Used by the
 * upstream pump only. The JDK has no way to batch: {@code more} is ignored.
 *
 * <p>The JDK client has no write timeout of its own; a write that makes no progress for
 * {@code writeTimeout} fails the session instead of parking the pump forever.
 */
final class UpstreamSink implements Pump.Sink {
    private final WebSocket upstream;
    private final Duration writeTimeout;

    UpstreamSink(WebSocket upstream, Duration writeTimeout) {
        this.upstream = upstream;
        this.writeTimeout = writeTimeout;
    }

    @Override
    public boolean writesChars() {
        return true;
    }

    /** Sends {@code chars} (the JDK encodes text itself); the JDK reads them until the send completes, which this waits for. */
    @Override
    public void sendText(ByteBuffer utf8, CharBuffer chars, boolean last, boolean more)
            throws IOException, InterruptedException {
        await(upstream.sendText(chars, last));
    }

    @Override
    public void sendBinary(ByteBuffer part, boolean last, boolean more) throws IOException, InterruptedException {
        await(upstream.sendBinary(part, last));
    }

    private void await(CompletableFuture<WebSocket> sent) throws IOException, InterruptedException {
        try {
            sent.get(writeTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw cause instanceof IOException io ? io : new IOException(cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new IOException("upstream write did not complete within " + writeTimeout.toMillis() + " ms", e);
        }
    }
}
