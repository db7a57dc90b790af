package io.wsrelay.relay;

import io.wsrelay.relay.ops.RelayMetrics;
import java.io.IOException;
import java.nio.ByteBuffer;

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
 * <p>Runs on the thread that calls {@link #run()} (a virtual thread per pump); not thread-safe;
 * one instance per direction. {@code run()} returns after the source closes or fails, the sink
 * fails, a message exceeds the size limit, or the session stops the inbox or interrupts the
 * thread; in every case it reports to its {@link RelaySession} and gives back any pending part.
 */
public final class Pump implements Runnable {

    /** Which way the data flows. */
    public enum Direction {
        /** Client → upstream. */
        UPSTREAM("up"),
        /** Upstream → client. */
        DOWNSTREAM("down");

        private final String label;

        Direction(String label) {
            this.label = label;
        }

        /** Short name for thread names and logs: {@code up}, {@code down}. */
        String label() {
            return label;
        }
    }

    /** Where a pump writes. Each method blocks until the part is written or the write fails. */
    interface Sink {
        /**
         * @throws IOException          if the write failed or timed out
         * @throws InterruptedException if the pump thread was interrupted
         */
        void sendText(CharSequence part, boolean last) throws IOException, InterruptedException;

        /**
         * Writes {@code part} from its position to its limit.
         *
         * @throws IOException          if the write failed or timed out
         * @throws InterruptedException if the pump thread was interrupted
         */
        void sendBinary(ByteBuffer part, boolean last) throws IOException, InterruptedException;
    }

    private final Direction direction;
    private final Inbox inbox;
    private final Runnable demand;
    private final Sink sink;
    private final long maxMessageBytes;
    private final RelaySession session;
    private final RelayMetrics.Traffic traffic;
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
        } catch (CloseCodes.MessageTooBigException e) {
            session.messageTooBig(direction, e);
        } catch (IOException | RuntimeException e) {
            session.sinkFailed(direction, e);
        } finally {
            inbox.releaseAll();
            session.pumpFinished(direction);
        }
    }

    private void forward() throws IOException, InterruptedException {
        boolean last = inbox.isLast();
        if (inbox.isText()) {
            CharSequence part = inbox.textPart();
            long n = utf8Length(part);
            count(n, last);
            sink.sendText(part, last);
            relayed(n, last);
        } else {
            ByteBuffer part = inbox.binaryPart();
            long n = part.remaining();
            count(n, last);
            sink.sendBinary(part, last);
            relayed(n, last);
        }
    }

    /**
     * {@code sink} with API discovery's {@code tap} in front: the tap sees each part just before it
     * is written. Only sessions whose endpoint has capture on get one, so a pump with capture off
     * runs exactly the code it ran before discovery existed.
     */
    static Sink tapped(Sink sink, SessionTap.Messages tap) {
        return new Sink() {
            @Override
            public void sendText(CharSequence part, boolean last) throws IOException, InterruptedException {
                tap.text(part, utf8Length(part), last);
                sink.sendText(part, last);
            }

            @Override
            public void sendBinary(ByteBuffer part, boolean last) throws IOException, InterruptedException {
                tap.binary(part, last);
                sink.sendBinary(part, last);
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

    /** Length of {@code s} in UTF-8 bytes; an unpaired surrogate counts as the 3 bytes of its replacement. */
    static long utf8Length(CharSequence s) {
        long n = 0;
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    @Override
    public String toString() {
        return "Pump{" + direction.label() + ", session=" + session.id() + "}";
    }
}
