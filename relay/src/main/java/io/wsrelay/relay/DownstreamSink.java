package io.wsrelay.relay;

import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.time.Duration;

/**
 * Writes message parts to the client as raw frames through Jetty's websocket-core
 * {@link CoreSession}, one at a time, blocking until each is written. Used by the downstream
 * pump only.
 *
 * <p>Text goes out as the UTF-8 bytes the inbox encoded, with no String in between (Jetty's
 * {@code Session.sendPartialText} takes a String and encodes it again). The sink tracks the
 * message in progress itself: the first part of a message is a TEXT or BINARY frame, the rest
 * CONTINUATION frames, the last with FIN. A part sent with {@code more} goes out batched
 * ({@code sendFrame(..., batch=true)}): Jetty copies a small frame into its batch buffer and
 * completes at once, and writes the batch with the next frame sent unbatched — the last part the
 * inbox held, or any control frame — in one write.
 */
final class DownstreamSink implements Pump.Sink {
    private final CoreSession session;
    private final Duration writeTimeout;
    private final BlockingCallback written = new BlockingCallback();
    /** Whether a message is in progress: its next frame is a CONTINUATION. */
    private boolean inMessage;

    DownstreamSink(CoreSession session, Duration writeTimeout) {
        this.session = session;
        this.writeTimeout = writeTimeout;
    }

    @Override
    public boolean writesChars() {
        return false;
    }

    @Override
    public void sendText(ByteBuffer utf8, CharBuffer chars, boolean last, boolean more)
            throws IOException, InterruptedException {
        send(OpCode.TEXT, utf8, last, more);
    }

    @Override
    public void sendBinary(ByteBuffer part, boolean last, boolean more) throws IOException, InterruptedException {
        send(OpCode.BINARY, part, last, more);
    }

    private void send(byte opCode, ByteBuffer payload, boolean last, boolean more)
            throws IOException, InterruptedException {
        Frame frame = new Frame(inMessage ? OpCode.CONTINUATION : opCode, last, payload);
        inMessage = !last;
        written.reset();
        session.sendFrame(frame, written, more);
        written.await(writeTimeout);
    }
}
