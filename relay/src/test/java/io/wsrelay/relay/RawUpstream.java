package io.wsrelay.relay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A hand-written WebSocket upstream on {@code 127.0.0.1:0} for faults a library will not
 * produce. It completes the opening handshake (RFC 6455 §4.2.2), then, by {@link Mode}:
 * resets the TCP connection (SO_LINGER 0, so the relay sees RST, not FIN) once the first byte of
 * a client frame arrives, optionally after sending the first fragment of a message; or falls
 * silent, reading and answering nothing, as an upstream whose host vanished; or sends 125-byte
 * pings as fast as they are written and never reads (counted in {@link #pingBytesWritten()}).
 */
public final class RawUpstream implements AutoCloseable {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /** What the upstream does after the handshake. */
    public enum Mode { RESET_ON_FIRST_BYTE, RESET_MID_MESSAGE, SILENT, PING_FLOOD }

    private final ServerSocket server;
    private final Thread acceptor;
    private final Mode mode;
    private final java.util.List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Counted down when a connection has been reset. */
    public final CountDownLatch reset = new CountDownLatch(1);
    private final java.util.concurrent.atomic.AtomicLong pingBytes = new java.util.concurrent.atomic.AtomicLong();

    public RawUpstream() throws IOException {
        this(Mode.RESET_ON_FIRST_BYTE);
    }

    public RawUpstream(Mode mode) throws IOException {
        this.mode = mode;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofVirtual().name("raw-upstream").start(this::serve);
    }

    public URI uri() {
        return URI.create("ws://127.0.0.1:" + server.getLocalPort());
    }

    private void serve() {
        while (!server.isClosed()) {
            Socket accepted;
            try {
                accepted = server.accept();
            } catch (IOException e) {
                return;
            }
            if (mode == Mode.SILENT || mode == Mode.PING_FLOOD) {
                held.add(accepted);
            }
            try (Socket socket = mode == Mode.SILENT ? null : accepted) {
                InputStream in = accepted.getInputStream();
                OutputStream out = accepted.getOutputStream();
                String key = readRequestKey(in);
                String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                        .digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1)));
                out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                if (mode == Mode.SILENT) {
                    continue; // holds the socket open and never reads it
                }
                if (mode == Mode.PING_FLOOD) {
                    floodPings(out); // until the relay or close() ends the connection
                    continue;
                }
                if (mode == Mode.RESET_MID_MESSAGE) {
                    // A binary frame without FIN: the message's first fragment, 4 bytes.
                    out.write(new byte[] {0x02, 0x04, 1, 2, 3, 4});
                    out.flush();
                }
                if (in.read() < 0) {
                    continue;
                }
                accepted.setSoLinger(true, 0);
                reset.countDown();
            } catch (Exception e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    private void floodPings(OutputStream out) {
        byte[] chunk = new byte[512 * 127];
        for (int i = 0; i < chunk.length; i += 127) {
            chunk[i] = (byte) 0x89; // FIN + ping
            chunk[i + 1] = 125;     // unmasked, as a server's frames are
        }
        try {
            for (;;) {
                out.write(chunk);
                pingBytes.addAndGet(chunk.length);
            }
        } catch (IOException e) {
            // the connection ended
        }
    }

    /** Ping bytes written so far in {@link Mode#PING_FLOOD}. */
    public long pingBytesWritten() {
        return pingBytes.get();
    }

    private static String readRequestKey(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("request ended early");
            }
            head.append((char) b);
        }
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("sec-websocket-key:")) {
                return line.substring(line.indexOf(':') + 1).strip();
            }
        }
        throw new IOException("no Sec-WebSocket-Key");
    }

    /** Waits for a reset to have happened. */
    public boolean awaitReset() throws InterruptedException {
        return reset.await(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        server.close();
        for (Socket s : held) {
            s.close();
        }
        acceptor.join();
    }
}
