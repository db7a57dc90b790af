package io.wsrelay.benchmarks;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One load connection to an echo target: sends messages as its {@link Pacer} allows and checks
 * and times what comes back.
 *
 * <p>Nothing here blocks. The JDK calls the listener methods of one connection strictly one
 * after another; sends may complete on another thread, so the one-send-at-a-time rule of
 * {@link WebSocket} is kept with a flag ({@code sending}) rather than a lock. One buffer is
 * reused for every send: the JDK must not see it change before the previous send completed,
 * and only one send is ever outstanding. Reads ask for one part at a time ({@code request(1)}),
 * so a connection never buffers more than one part.
 *
 * <p>Lifecycle: {@link #start(Pacer)} once the socket is open, {@link #stop()} to stop sending,
 * {@link #drained()} completes when nothing is in flight any more (or the connection ended),
 * then {@link #close()}.
 */
final class EchoConnection implements WebSocket.Listener {

    private final int id;
    private final boolean binary;
    private final int size;
    private final Tally tally;
    private final Failures failures;

    private final ByteBuffer binaryOut;
    private final char[] textChars;
    private final CharBuffer textOut;

    private final AtomicBoolean sending = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile Pacer pacer;
    private volatile boolean running;
    private volatile boolean closing;
    private volatile int nextSeq;
    private volatile WebSocket socket;

    // Receive side: touched only from listener methods, which never run concurrently.
    private final Payload.Reader header = new Payload.Reader();
    private int expectedSeq;
    private long partsBytes;
    private boolean typeMatches = true;

    EchoConnection(int id, boolean binary, int size, Tally tally, Failures failures) {
        this.id = id;
        this.binary = binary;
        this.size = size;
        this.tally = tally;
        this.failures = failures;
        byte[] template = Payload.template(size);
        this.binaryOut = binary ? ByteBuffer.wrap(template) : null;
        this.textChars = binary ? null : new String(template, java.nio.charset.StandardCharsets.US_ASCII).toCharArray();
        this.textOut = binary ? null : CharBuffer.wrap(textChars);
    }

    /**
     * Starts sending as {@code pacer} allows. The first message, if the pacer allows one now,
     * is handed to the socket on the calling thread before this method returns.
     */
    void start(Pacer pacer) {
        this.pacer = pacer;
        running = true;
        trySend();
    }

    /** Stops sending new messages; echoes of those in flight are still counted. */
    void stop() {
        running = false;
        if (inFlight.get() == 0) {
            drained.complete(null);
        }
    }

    /** Sends whatever the pacer allows now; called by ticks, echoes and send completions. */
    void trySend() {
        while (sending.compareAndSet(false, true)) {
            long stamp = nextStamp();
            if (stamp != Pacer.NOT_YET) {
                send(stamp);
                return;
            }
            sending.set(false);
            // An echo or a tick may have come in between the check and the release; they saw
            // 'sending' set and left it to us.
            if (nextStamp() == Pacer.NOT_YET) {
                return;
            }
        }
    }

    private long nextStamp() {
        return running ? pacer.stamp(nextSeq, inFlight.get(), System.nanoTime()) : Pacer.NOT_YET;
    }

    private void send(long stamp) {
        inFlight.incrementAndGet();
        if (!running) { // stop() ran after nextStamp(): it may have seen zero in flight
            inFlight.decrementAndGet();
            sending.set(false);
            stop();
            return;
        }
        int seq = nextSeq;
        nextSeq = seq + 1;
        CompletableFuture<WebSocket> sent;
        if (binary) {
            binaryOut.clear();
            Payload.writeHeader(binaryOut, stamp, seq);
            sent = socket.sendBinary(binaryOut, true);
        } else {
            textOut.clear();
            Payload.writeHeader(textChars, stamp, seq);
            sent = socket.sendText(textOut, true);
        }
        sent.whenComplete((ws, failure) -> {
            if (failure != null) {
                if (!closing) {
                    failures.record(FailureKind.SEND, failure);
                }
                answered();
            }
            sending.set(false);
            trySend();
        });
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        socket = webSocket;
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        typeMatches &= !binary;
        for (int i = 0; i < data.length() && header.wantsMore(); i++) {
            header.accept(data.charAt(i));
        }
        partsBytes += data.length(); // ASCII payload: one char is one byte
        return received(webSocket, last);
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        typeMatches &= binary;
        for (int i = data.position(); i < data.limit() && header.wantsMore(); i++) {
            header.accept(data.get(i));
        }
        partsBytes += data.remaining();
        return received(webSocket, last);
    }

    private CompletionStage<?> received(WebSocket webSocket, boolean last) {
        if (last) {
            long now = System.nanoTime();
            if (header.isComplete() && header.seq() == expectedSeq && partsBytes == size && typeMatches) {
                tally.add(size, now - header.stamp());
            } else {
                failures.record(FailureKind.MISMATCH, "connection " + id + ": expected seq " + expectedSeq
                        + " of " + size + " bytes " + (binary ? "binary" : "text") + ", got seq "
                        + (header.isComplete() ? header.seq() : "?") + " of " + partsBytes + " bytes"
                        + (typeMatches ? "" : " of the other type"));
            }
            // Resynchronise after a mismatch so one lost or extra message counts once, not forever.
            expectedSeq = header.isComplete() ? header.seq() + 1 : expectedSeq + 1;
            header.reset();
            partsBytes = 0;
            typeMatches = true;
            answered();
            trySend();
        }
        webSocket.request(1);
        return null;
    }

    private void answered() {
        if (inFlight.decrementAndGet() == 0 && !running) {
            drained.complete(null);
        }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        if (!closing) {
            failures.record(FailureKind.CLOSED_EARLY, "connection " + id + " closed by peer: " + statusCode + " " + reason);
        }
        ended();
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        if (!closing) {
            failures.record(FailureKind.RECEIVE, error);
        }
        ended();
    }

    private void ended() {
        running = false;
        drained.complete(null);
        closed.complete(null);
    }

    /** Completes once sending stopped and every message in flight was echoed, or the connection ended. */
    CompletableFuture<Void> drained() {
        return drained;
    }

    /** True once the connection closed or failed, whoever ended it. */
    boolean isEnded() {
        return closed.isDone();
    }

    /** Messages sent and not yet echoed. */
    int inFlight() {
        return inFlight.get();
    }

    /**
     * Starts the closing handshake (1000) and returns a future that completes when the peer's
     * close arrived or the connection ended; the caller bounds the wait and then calls {@link #abort()}.
     */
    CompletableFuture<Void> close() {
        closing = true;
        running = false;
        WebSocket ws = socket;
        if (ws == null || ws.isOutputClosed()) {
            closed.complete(null);
        } else {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").whenComplete((w, failure) -> {
                if (failure != null) {
                    closed.complete(null);
                }
            });
        }
        return closed;
    }

    /** Drops the TCP connection at once; harmless if it is already closed. */
    void abort() {
        closing = true;
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
    }

    /** Remembers the socket the opening handshake produced (also passed to {@link #onOpen}). */
    void opened(WebSocket webSocket) {
        socket = webSocket;
    }

    @Override
    public String toString() {
        return "EchoConnection@" + id + "{" + (binary ? "binary" : "text") + ", size=" + size
                + ", running=" + running + ", inFlight=" + inFlight.get() + ", nextSeq=" + nextSeq + "}";
    }
}
