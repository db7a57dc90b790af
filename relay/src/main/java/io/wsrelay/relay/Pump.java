package io.wsrelay.relay;

import io.wsrelay.relay.ops.RelayMetrics;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;

/**
 * One direction of a relayed session: a blocking loop that takes the oldest message part from an
 * {@link Inbox}, writes it to a {@link Sink}, and releases it, which pays the source a demand
 * the inbox owes once its credit is back.
 *
 * <p>That is the relay's backpressure: a slow reader on the sink side stalls the write, the
 * inbox's credit runs out, demand stops, reading from the source's socket stops, so its sender
 * slows down instead of filling the relay's memory. A direction holds at most the inbox's credit
 * ({@link Inbox#DEFAULT_MAX_PARTS} parts, {@link Inbox#DEFAULT_MAX_BYTES} bytes plus one part);
 * while credit remains the listeners demand inline, so parts queued behind a write are taken in
 * the same wake-up.
 *
 * <p>Text: every part is UTF-8 bytes here. The pump decodes a text part into one reused
 * {@link CharBuffer} ({@link Utf8.Decoder}) when its direction checks text (the client's: RFC
 * 6455 §8.1, invalid UTF-8 closes the client with 1007, also when a code point is split across
 * fragments), or when its sink writes chars (the JDK client, or a sink behind API discovery's
 * tap); no String is made.
 *
 * <p>Runs on the thread that calls {@link #run()} (a virtual thread per pump); not thread-safe;
 * one instance per direction. {@code run()} returns after the source closes or fails, the sink
 * fails, a message exceeds the size limit or is not valid UTF-8, or the session stops the inbox or interrupts the
 * thread; in every case it reports to its {@link RelaySession} and gives back any pending part.
 */
public final class Pump implements Runnable {

    /** Which way the data flows. */
    public enum Direction {
        /** Client → upstream. Its text arrives as Jetty's raw frames, not yet validated: the pump checks it. */
        UPSTREAM("up", true),
        /** Upstream → client. Its text was validated by the JDK client, which decoded it. */
        DOWNSTREAM("down", false);

        private final String label;
        private final boolean checksText;

        Direction(String label, boolean checksText) {
            this.label = label;
            this.checksText = checksText;
        }

        /** Short name for thread names and logs: {@code up}, {@code down}. */
        String label() {
            return label;
        }
    }

    /**
     * Where a pump writes. Each method blocks until the part is written (or batched, when
     * {@code more} allows it) or the write fails. {@code more} says another part is already held
     * behind this one: a sink may hold this part back in a batch, and writes it no later than
     * with the next part that comes without {@code more}.
     */
    interface Sink {
        /** Whether {@link #sendText} writes from {@code chars} (the JDK client) rather than from the UTF-8 bytes (Jetty). */
        boolean writesChars();

        /**
         * Writes one text part: {@code utf8} holds its bytes, position to limit (a code point may
         * continue in the next part); {@code chars} the same part decoded, or null when neither
         * this sink ({@link #writesChars()}) nor the direction's check decoded it.
         *
         * @throws IOException          if the write failed or timed out
         * @throws InterruptedException if the pump thread was interrupted
         */
        void sendText(ByteBuffer utf8, CharBuffer chars, boolean last, boolean more)
                throws IOException, InterruptedException;

        /**
         * Writes {@code part} from its position to its limit.
         *
         * @throws IOException          if the write failed or timed out
         * @throws InterruptedException if the pump thread was interrupted
         */
        void sendBinary(ByteBuffer part, boolean last, boolean more) throws IOException, InterruptedException;
    }

    private final Direction direction;
    private final Inbox inbox;
    private final Runnable demand;
    private final Sink sink;
    private final long maxMessageBytes;
    private final RelaySession session;
    private final RelayMetrics.Traffic traffic;
    /** Decodes (and so validates) text for the check or the sink; null when neither needs chars. */
    private final Utf8.Decoder text;
    private long messageBytes;
    // Totals for the session's close line: written by the pump's thread only, read by the
    // session after run() has returned (the session's pump count orders the two).
    private long bytes;
    private long messages;

    /**
     * @param demand          asks the source for one more part ({@code Session.demand()} or
     *                        {@code WebSocket.request(1)}); never blocks
     * @param maxMessageBytes largest message, all its parts together, in bytes
     * @param traffic         the relay-wide counters this direction adds to after each write
     */
    Pump(Direction direction, Inbox inbox, Runnable demand, Sink sink, long maxMessageBytes, RelaySession session,
         RelayMetrics.Traffic traffic) {
        this.direction = direction;
        this.inbox = inbox;
        this.demand = demand;
        this.sink = sink;
        this.maxMessageBytes = maxMessageBytes;
        this.session = session;
        this.traffic = traffic;
        this.text = direction.checksText || sink.writesChars() ? new Utf8.Decoder() : null;
    }

    @Override
    public void run() {
        try {
            inbox.start(demand);
            for (;;) {
                Inbox.Event event = inbox.take();
                if (event != Inbox.Event.DATA) {
                    session.sourceEnded(direction, event, inbox);
                    return;
                }
                forward();
                inbox.release(); // and asks for more if the demand was owed
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (CloseCodes.MessageTooBigException | CloseCodes.InvalidPayloadException e) {
            session.sourceRefused(direction, e);
        } catch (IOException | RuntimeException e) {
            session.sinkFailed(direction, e);
        } finally {
            inbox.releaseAll();
            session.pumpFinished(direction);
        }
    }

    private void forward() throws IOException, InterruptedException {
        boolean last = inbox.isLast();
        boolean more = inbox.hasMore();
        ByteBuffer part = inbox.part();
        long n = part.remaining();
        count(n, last);
        if (inbox.isText()) {
            CharBuffer chars = text == null ? null : text.decode(part, last); // invalid UTF-8 throws here, unsent
            sink.sendText(part, chars, last, more);
        } else {
            sink.sendBinary(part, last, more);
        }
        relayed(n, last);
    }

    /**
     * {@code sink} with API discovery's {@code tap} in front: the tap sees each part just before it
     * is written. Only sessions whose endpoint has capture on get one, so a pump with capture off
     * runs exactly the code it ran before discovery existed.
     */
    static Sink tapped(Sink sink, SessionTap.Messages tap) {
        return new Sink() {
            @Override
            public boolean writesChars() {
                return true; // the tap reads text as chars
            }

            @Override
            public void sendText(ByteBuffer utf8, CharBuffer chars, boolean last, boolean more)
                    throws IOException, InterruptedException {
                tap.text(chars, utf8.remaining(), last);
                sink.sendText(utf8, chars, last, more);
            }

            @Override
            public void sendBinary(ByteBuffer part, boolean last, boolean more) throws IOException, InterruptedException {
                tap.binary(part, last);
                sink.sendBinary(part, last, more);
            }
        };
    }

    private void relayed(long n, boolean last) {
        bytes += n;
        traffic.bytes().increment(n);
        if (last) {
            messages++;
            traffic.messages().increment();
        }
    }

    /** Payload bytes this pump has written (text as UTF-8); read it after {@link #run()} returned. */
    long bytes() {
        return bytes;
    }

    /** Whole messages this pump has written; read it after {@link #run()} returned. */
    long messages() {
        return messages;
    }

    private void count(long bytes, boolean last) {
        messageBytes += bytes;
        if (messageBytes > maxMessageBytes) {
            throw new CloseCodes.MessageTooBigException(maxMessageBytes);
        }
        if (last) {
            messageBytes = 0;
        }
    }

    @Override
    public String toString() {
        return "Pump{" + direction.label() + ", session=" + session.id() + "}";
    }
}
