package io.wsrelay.relay;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real WebSocket client (JDK {@code java.net.http}) that records whole messages, parts and the
 * close it receives. With {@code autoRequest} off it reads nothing until {@link #request(long)}.
 */
public final class TestClient implements AutoCloseable {
    /** A whole message: {@code text} for text messages, {@code bytes} for binary ones. */
    public record Message(String text, byte[] bytes) {
        public boolean isText() {
            return text != null;
        }
    }

    /** The close the client received. */
    public record Closed(int code, String reason) {
    }

    // Virtual threads: the client's own platform-thread pool would linger and blur the relay's
    // thread accounting in leak tests.
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()).build();

    private final WebSocket webSocket;
    private final Recorder recorder;

    private TestClient(WebSocket webSocket, Recorder recorder) {
        this.webSocket = webSocket;
        this.recorder = recorder;
    }

    /** Opens a client that reads everything as it comes. */
    public static TestClient open(URI uri, String... subprotocols) throws Exception {
        return open(uri, true, subprotocols);
    }

    /**
     * Opens a client.
     *
     * @throws ExecutionException wrapping {@link java.net.http.WebSocketHandshakeException} when refused
     */
    public static TestClient open(URI uri, boolean autoRequest, String... subprotocols) throws Exception {
        Recorder recorder = new Recorder(autoRequest);
        WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Timeouts.MESSAGE);
        if (subprotocols.length > 0) {
            builder.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        WebSocket ws = builder.buildAsync(uri, recorder).get(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
        return new TestClient(ws, recorder);
    }

    /**
     * Opens {@code uri} expecting the upgrade to be refused.
     *
     * @return the HTTP status of the refusal
     * @throws AssertionError if the upgrade was accepted
     */
    public static int refusal(URI uri) throws Exception {
        TestClient accepted;
        try {
            accepted = open(uri);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw e;
        }
        accepted.close();
        throw new AssertionError("the upgrade of " + uri + " was accepted");
    }

    public WebSocket webSocket() {
        return webSocket;
    }

    public void sendText(String text) throws Exception {
        webSocket.sendText(text, true).get(Timeouts.TRANSFER.toSeconds(), TimeUnit.SECONDS);
    }

    public void sendBinary(byte[] bytes) throws Exception {
        webSocket.sendBinary(ByteBuffer.wrap(bytes), true).get(Timeouts.TRANSFER.toSeconds(), TimeUnit.SECONDS);
    }

    public void sendClose(int code, String reason) throws Exception {
        webSocket.sendClose(code, reason).get(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
    }

    /** The next whole message, waiting at most {@code timeout}. */
    public Message nextMessage(Duration timeout) throws InterruptedException, TimeoutException {
        Message m = recorder.messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (m == null) {
            throw new TimeoutException("no message within " + timeout);
        }
        return m;
    }

    /** The close received, waiting at most {@code timeout}. */
    public Closed awaitClose(Duration timeout) throws Exception {
        return recorder.closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Completes with the close received, or exceptionally with the connection's error. */
    public CompletableFuture<Closed> closed() {
        return recorder.closed;
    }

    /** Waits until the first part of a message has arrived. */
    public boolean awaitFirstPart(Duration timeout) throws InterruptedException {
        return recorder.firstPart.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Completes with the payload of the first pong received. */
    public CompletableFuture<ByteBuffer> firstPong() {
        return recorder.pong;
    }

    /** Completes when the first ping arrives (the JDK answers it with a pong by itself). */
    public CompletableFuture<ByteBuffer> firstPing() {
        return recorder.ping;
    }

    /** Parts received so far (a message may come in several). */
    public int parts() {
        return recorder.parts.get();
    }

    public void request(long n) {
        webSocket.request(n);
    }

    public String subprotocol() {
        return webSocket.getSubprotocol();
    }

    /** Drops the connection without a close frame. */
    public void abort() {
        webSocket.abort();
    }

    @Override
    public void close() {
        webSocket.abort();
    }

    private static final class Recorder implements WebSocket.Listener {
        private final boolean autoRequest;
        private final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
        private final CompletableFuture<Closed> closed = new CompletableFuture<>();
        private final CompletableFuture<ByteBuffer> pong = new CompletableFuture<>();
        private final CompletableFuture<ByteBuffer> ping = new CompletableFuture<>();
        private final CountDownLatch firstPart = new CountDownLatch(1);
        private final AtomicInteger parts = new AtomicInteger();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        Recorder(boolean autoRequest) {
            this.autoRequest = autoRequest;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            if (autoRequest) {
                webSocket.request(1);
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            parts.incrementAndGet();
            firstPart.countDown();
            text.append(data);
            if (last) {
                messages.add(new Message(text.toString(), null));
                text.setLength(0);
            }
            next(webSocket);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            parts.incrementAndGet();
            firstPart.countDown();
            byte[] chunk = new byte[data.remaining()];
            data.get(chunk);
            binary.writeBytes(chunk);
            if (last) {
                messages.add(new Message(null, binary.toByteArray()));
                binary.reset();
            }
            next(webSocket);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            ping.complete(copy(message));
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            pong.complete(copy(message));
            webSocket.request(1);
            return null;
        }

        private static ByteBuffer copy(ByteBuffer b) {
            return ByteBuffer.allocate(b.remaining()).put(b).flip();
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(new Closed(statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
        }

        private void next(WebSocket webSocket) {
            if (autoRequest) {
                webSocket.request(1);
            }
        }
    }

    /** Subprotocols list helper for assertions. */
    public static List<String> list(String... values) {
        return List.of(values);
    }
}
