package io.wsrelay.relay;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a plain socket that writes hand-made requests and frames, for peers a
 * library will not imitate: unmasked frames, reserved bits and opcodes, bad UTF-8, oversized or
 * fragmented control frames, broken close frames, stalled requests, a reader that never reads.
 * Every read is bounded by a socket timeout.
 */
public final class RawClient implements AutoCloseable {
    /** An HTTP response: its head, and its body when it has a {@code Content-Length}. */
    public record Response(int status, Map<String, String> headers, String head, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** A frame from the server. */
    public record Frame(boolean fin, int opcode, byte[] payload) {
        /** The close code of a close frame; 1005 for an empty one. */
        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : CloseCodes.NO_STATUS;
        }
    }

    public static final int CONTINUATION = 0x0;
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code 127.0.0.1:port}; {@code receiveBuffer} > 0 shrinks the socket's receive buffer. */
    public static RawClient connect(int port, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.connect(new InetSocketAddress("127.0.0.1", port), (int) Timeouts.MESSAGE.toMillis());
        s.setSoTimeout((int) Timeouts.MESSAGE.toMillis());
        return new RawClient(s);
    }

    public static RawClient connect(int port) throws IOException {
        return connect(port, 0);
    }

    /** Connects and completes an opening handshake for {@code pathQuery}; fails unless 101. */
    public static RawClient open(int port, String pathQuery) throws IOException {
        RawClient c = connect(port);
        Response r = c.upgrade(pathQuery, Map.of());
        if (r.status() != 101) {
            c.close();
            throw new IOException("upgrade refused: " + r.head());
        }
        return c;
    }

    /** Sends an opening handshake with {@code extraHeaders} and reads the response head. */
    public Response upgrade(String pathQuery, Map<String, String> extraHeaders) throws IOException {
        byte[] key = new byte[16];
        ThreadLocalRandom.current().nextBytes(key);
        StringBuilder req = new StringBuilder("GET " + pathQuery + " HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(socket.getPort()).append("\r\n")
                .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: ").append(Base64.getEncoder().encodeToString(key)).append("\r\n")
                .append("Sec-WebSocket-Version: 13\r\n");
        extraHeaders.forEach((n, v) -> req.append(n).append(": ").append(v).append("\r\n"));
        req.append("\r\n");
        write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
        return readResponse();
    }

    /** Writes raw bytes. */
    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads an HTTP response head (status line and headers), and the body if it has a length. */
    public Response readResponse() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed in the response head: " + head);
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : 0;
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        String[] lines = text.split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.merge(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).strip(), (a, b) -> a + ", " + b);
            }
        }
        String length = headers.get("content-length");
        String body = "";
        if (length != null && status != 101) {
            body = new String(in.readNBytes(Integer.parseInt(length)), StandardCharsets.UTF_8);
        }
        return new Response(status, headers, text, body);
    }

    /**
     * Writes one frame.
     *
     * @param rsv    the three reserved bits, 0 to 7
     * @param masked whether to mask it, as RFC 6455 requires of clients
     */
    public void sendFrame(boolean fin, int rsv, int opcode, byte[] payload, boolean masked) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write((fin ? 0x80 : 0) | (rsv << 4) | opcode);
        int maskBit = masked ? 0x80 : 0;
        if (payload.length < 126) {
            f.write(maskBit | payload.length);
        } else if (payload.length < 65536) {
            f.write(maskBit | 126);
            f.write(payload.length >> 8);
            f.write(payload.length);
        } else {
            f.write(maskBit | 127);
            f.writeBytes(ByteBuffer.allocate(8).putLong(payload.length).array());
        }
        byte[] body = payload.clone();
        if (masked) {
            byte[] mask = new byte[4];
            ThreadLocalRandom.current().nextBytes(mask);
            f.writeBytes(mask);
            for (int i = 0; i < body.length; i++) {
                body[i] ^= mask[i % 4];
            }
        }
        f.writeBytes(body);
        write(f.toByteArray());
    }

    /** {@code count} copies of one masked, final frame, back to back, to write in one call. */
    public static byte[] maskedFrames(int opcode, byte[] payload, int count) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        for (int n = 0; n < count; n++) {
            all.write(0x80 | opcode);
            all.write(0x80 | payload.length); // control frames: at most 125 bytes, one length byte
            all.writeBytes(mask);
            for (int i = 0; i < payload.length; i++) {
                all.write(payload[i] ^ mask[i % 4]);
            }
        }
        return all.toByteArray();
    }

    /** A masked, final frame. */
    public void sendFrame(int opcode, byte[] payload) throws IOException {
        sendFrame(true, 0, opcode, payload, true);
    }

    /** A masked close frame with {@code code} and no reason. */
    public void sendClose(int code) throws IOException {
        sendFrame(CLOSE, new byte[] {(byte) (code >> 8), (byte) code});
    }

    /**
     * Reads the next frame.
     *
     * @throws SocketTimeoutException if none arrives within the socket timeout
     * @throws EOFException           if the connection ends first
     */
    public Frame readFrame() throws IOException {
        int b0 = readByte();
        int b1 = readByte();
        long len = b1 & 0x7F;
        if (len == 126) {
            len = (readByte() << 8) | readByte();
        } else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++) {
                len = (len << 8) | readByte();
            }
        }
        byte[] payload = in.readNBytes((int) len);
        if (payload.length < len) {
            throw new EOFException("connection closed inside a frame");
        }
        return new Frame((b0 & 0x80) != 0, b0 & 0x0F, payload);
    }

    /**
     * Reads frames until a close frame, skipping others, and returns its code; -1 if the
     * connection ended (or was reset) without one. Waits at most {@code timeout} per frame.
     */
    public int awaitCloseCode(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            for (;;) {
                Frame f = readFrame();
                if (f.opcode() == CLOSE) {
                    return f.closeCode();
                }
            }
        } catch (EOFException | SocketException e) {
            return -1;
        }
    }

    /** Whether the server closes the connection within {@code timeout}, reading and dropping what it sends. */
    public boolean awaitEof(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        byte[] sink = new byte[8192];
        try {
            while (in.read(sink) >= 0) {
                // drain
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset
        }
    }

    /** Drops the connection with a TCP reset (SO_LINGER 0), as a vanished browser's network would. */
    public void reset() {
        try {
            socket.setSoLinger(true, 0);
        } catch (SocketException e) {
            // already closed
        }
        close();
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException();
        }
        return b;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
