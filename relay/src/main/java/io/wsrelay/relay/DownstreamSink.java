package io.wsrelay.relay;

import org.eclipse.jetty.websocket.api.Session;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * Writes message parts to the client through its Jetty {@link Session}, one at a time, blocking
 * until each is written. Used by the downstream pump only.
 */
final class DownstreamSink implements Pump.Sink {
    private final Session session;
    private final Duration writeTimeout;
    private final BlockingCallback written = new BlockingCallback();
    // A high surrogate that ended a non-final text part, held until its low half arrives:
    // Jetty encodes each part on its own, and half a pair would become '?'.
    private char heldHighSurrogate;
    private boolean holdingSurrogate;

    DownstreamSink(Session session, Duration writeTimeout) {
        this.session = session;
        this.writeTimeout = writeTimeout;
    }

    @Override
    public void sendText(CharSequence part, boolean last) throws IOException, InterruptedException {
        String text = holdingSurrogate ? heldHighSurrogate + part.toString() : part.toString();
        holdingSurrogate = false;
        int len = text.length();
        if (!last && len > 0 && Character.isHighSurrogate(text.charAt(len - 1))) {
            heldHighSurrogate = text.charAt(len - 1);
            holdingSurrogate = true;
            text = text.substring(0, len - 1);
        }
        written.reset();
        session.sendPartialText(text, last, written);
        written.await(writeTimeout);
    }

    @Override
    public void sendBinary(ByteBuffer part, boolean last) throws IOException, InterruptedException {
        written.reset();
        session.sendPartialBinary(part, last, written);
        written.await(writeTimeout);
    }
}
