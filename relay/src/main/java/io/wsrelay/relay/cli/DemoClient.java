package io.wsrelay.relay.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The {@code wsrelay send} client: sends text messages and prints the replies. */
final class DemoClient {
    private DemoClient() {
    }

    /** {@code host 127.0.0.1 port 9} of a ws/wss URI, with the scheme's default port. */
    static String address(URI uri) {
        int port = uri.getPort() != -1 ? uri.getPort() : "wss".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        return "host " + uri.getHost() + " port " + port;
    }

    /** What an operator reads in a failed connect: the cause in words, not a class name. */
    static String reason(Throwable failure) {
        return io.wsrelay.relay.ConnectFailure.reason(failure);
    }

    /**
     * Sends each message, waits for one reply per message, closes with 1000.
     *
     * @return 0 if every reply came, 1 otherwise
     */
    static int run(URI uri, List<String> subprotocols, List<String> messages, Duration timeout,
                   PrintWriter out, PrintWriter err) throws InterruptedException {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    events.add("< " + text);
                    text.setLength(0);
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket ws, java.nio.ByteBuffer data, boolean last) {
                events.add("< (" + data.remaining() + " bytes binary)");
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                events.add("closed " + code + (reason.isEmpty() ? "" : " " + reason));
                return null;
            }
        };
        try (HttpClient http = HttpClient.newHttpClient()) {
            WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(timeout);
            if (!subprotocols.isEmpty()) {
                builder.subprotocols(subprotocols.getFirst(), subprotocols.subList(1, subprotocols.size()).toArray(String[]::new));
            }
            WebSocket ws;
            try {
                ws = builder.buildAsync(uri, listener).get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof WebSocketHandshakeException h) {
                    err.println("refused: HTTP " + h.getResponse().statusCode() + " " + h.getResponse().body());
                } else {
                    err.println("wsrelay: cannot connect to " + address(uri) + ": " + reason(e.getCause()));
                }
                return 1;
            } catch (java.util.concurrent.TimeoutException e) {
                err.println("wsrelay: cannot connect to " + address(uri) + ": no answer within " + timeout.toSeconds() * 2 + " s");
                return 1;
            }
            out.println("connected" + (ws.getSubprotocol().isEmpty() ? "" : " (subprotocol " + ws.getSubprotocol() + ")"));
            int status = 0;
            for (String message : messages) {
                ws.sendText(message, true).join();
                out.println("> " + message);
                String event = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (event == null || !event.startsWith("<")) {
                    err.println(event == null ? "no reply within " + timeout.toSeconds() + " s" : event);
                    status = 1;
                    break;
                }
                out.println(event);
            }
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
            String closed = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            out.println(closed == null ? "closed" : closed);
            ws.abort();
            out.flush();
            return status;
        }
    }
}
