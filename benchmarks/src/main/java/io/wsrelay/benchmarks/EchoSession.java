package io.wsrelay.benchmarks;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One JDK WebSocket session to an echo target, driven by one thread that sends a message and
 * blocks until its echo is back: {@link PumpBenchmark}'s unit of work.
 *
 * <p>The listener never blocks: it counts the parts of the echo and, at the last one, hands a
 * verdict (length and type as sent, or what was wrong) to the waiting thread through a queue of
 * one, then asks for the next part ({@code request(1)}). One message is in flight at a time, so
 * the queue never holds more than one verdict and there is never more than one send
 * outstanding, as the JDK requires. The payload ({@code 'x'} repeated, ASCII so that a text
 * character is one byte) is built once and reused by every send.
 *
 * <p>Not thread-safe: {@link #roundTrip()} and {@link #close()} are called from one thread.
 */
final class EchoSession implements WebSocket.Listener {

    /** Longest wait for an echo: a 1 MiB message among 64 sessions on a loaded 2-core machine stays far below it. */
    private static final Duration ECHO_TIMEOUT = Duration.ofSeconds(30);
    /** Opening handshake, through the relay (which connects upstream first) or direct. */
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(10);
    /** How long {@link #close()} waits for the peer's close frame before aborting. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);
    /** The verdict for an echo of the right length and type; anything else is a failure message. */
    private static final Object ECHOED = new Object();

    private final boolean binary;
    private final int size;
    private final String textOut;
    private final ByteBuffer binaryOut;
    // Capacity 1: one message in flight per session, so one verdict at most.
    private final BlockingQueue<Object> verdicts = new ArrayBlockingQueue<>(1);
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private WebSocket socket;

    // Receive side: touched only by listener methods, which the JDK calls one after another.
    private long partsBytes;
    private boolean typeMatches = true;

    private EchoSession(boolean binary, int size) {
        this.binary = binary;
        this.size = size;
        byte[] filler = new byte[size];
        Arrays.fill(filler, (byte) 'x');
        textOut = binary ? null : new String(filler, StandardCharsets.US_ASCII);
        binaryOut = binary ? ByteBuffer.wrap(filler) : null;
    }

    /**
     * Opens a session; blocks for the opening handshake, at most 10 s.
     *
     * @throws IllegalStateException if the handshake fails or times out, with the cause
     */
    static EchoSession open(HttpClient client, URI uri, boolean binary, int size) {
        EchoSession session = new EchoSession(binary, size);
        try {
            session.socket = client.newWebSocketBuilder().connectTimeout(OPEN_TIMEOUT)
                    .buildAsync(uri, session).get(OPEN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not open " + uri, e instanceof ExecutionException ? e.getCause() : e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while opening " + uri, e);
        }
        return session;
    }

    /**
     * Sends one message and blocks until its echo is back whole and the send has completed.
     *
     * @throws IllegalStateException if the echo has another length or type, the session ended,
     *         or no echo came within 30 s
     * @throws InterruptedException if interrupted while waiting (JMH does so at the end of a run
     *         only when a benchmark is stuck)
     */
    void roundTrip() throws InterruptedException {
        CompletableFuture<WebSocket> sent = binary
                ? socket.sendBinary(binaryOut.clear(), true)
                : socket.sendText(textOut, true);
        Object verdict = verdicts.poll(ECHO_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (verdict != ECHOED) {
            throw new IllegalStateException(verdict == null ? "no echo within " + ECHO_TIMEOUT : verdict.toString());
        }
        try {
            // Normally done already: the echo cannot start before the message was written.
            sent.get(ECHO_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("send failed", e instanceof ExecutionException ? e.getCause() : e);
        }
    }

    /** Closes with 1000 and waits up to 2 s for the peer's close, then drops the connection. */
    void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "");
        }
        try {
            closed.get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // The peer did not answer in time; abort below ends it either way.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            socket.abort();
        }
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        typeMatches &= !binary;
        partsBytes += data.length(); // ASCII payload: one character is one byte
        return received(webSocket, last);
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        typeMatches &= binary;
        partsBytes += data.remaining();
        return received(webSocket, last);
    }

    private CompletionStage<?> received(WebSocket webSocket, boolean last) {
        if (last) {
            hand(partsBytes == size && typeMatches ? ECHOED
                    : "expected " + size + " bytes " + (binary ? "binary" : "text") + ", got " + partsBytes
                    + (typeMatches ? "" : " of the other type"));
            partsBytes = 0;
            typeMatches = true;
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        hand("session closed by peer: " + statusCode + " " + reason);
        closed.complete(null);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        hand("session failed: " + error);
        closed.complete(null);
    }

    /** Never blocks; a verdict that finds the queue full means an echo nobody asked for. */
    private void hand(Object verdict) {
        if (!verdicts.offer(verdict)) {
            verdicts.clear();
            verdicts.offer("unexpected message or event while a verdict was pending: " + verdict);
        }
    }
}
