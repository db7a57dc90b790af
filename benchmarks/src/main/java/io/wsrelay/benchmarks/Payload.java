package io.wsrelay.benchmarks;

import java.nio.ByteBuffer;

/**
 * The layout of a load message, the same bytes whether it is sent as text or as binary: 16 hex
 * digits of a {@link System#nanoTime()} stamp, 8 hex digits of the connection's sequence number,
 * then {@code 'x'} up to the message size. All ASCII, so a text message is valid UTF-8 and one
 * character is one byte on the wire.
 *
 * <p>The stamp is the send time in window mode and the <em>intended</em> send time in rate mode;
 * the round trip is the receive time minus the stamp. Carrying it in the message (rather than in
 * a queue on the sender's side) lets the receiver check what came back: sequence and length.
 */
final class Payload {

    /** Header bytes: 16 hex digits of stamp, 8 of sequence. The smallest allowed message. */
    static final int HEADER_BYTES = 24;

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int STAMP_DIGITS = 16;
    private static final byte FILLER = 'x';

    private Payload() {
    }

    /** A message of {@code size} bytes: zero header, filler after it. */
    static byte[] template(int size) {
        if (size < HEADER_BYTES) {
            throw new IllegalArgumentException("message size must be at least " + HEADER_BYTES + " bytes, was " + size);
        }
        byte[] b = new byte[size];
        java.util.Arrays.fill(b, FILLER);
        return b;
    }

    /** Writes the header into the first {@link #HEADER_BYTES} of {@code dst} (absolute puts). */
    static void writeHeader(ByteBuffer dst, long stamp, int seq) {
        for (int i = 0; i < STAMP_DIGITS; i++) {
            dst.put(i, HEX[(int) (stamp >>> (60 - 4 * i)) & 0xf]);
        }
        for (int i = 0; i < HEADER_BYTES - STAMP_DIGITS; i++) {
            dst.put(STAMP_DIGITS + i, HEX[(seq >>> (28 - 4 * i)) & 0xf]);
        }
    }

    /** Same header, into the characters of a text message. */
    static void writeHeader(char[] dst, long stamp, int seq) {
        for (int i = 0; i < STAMP_DIGITS; i++) {
            dst[i] = (char) HEX[(int) (stamp >>> (60 - 4 * i)) & 0xf];
        }
        for (int i = 0; i < HEADER_BYTES - STAMP_DIGITS; i++) {
            dst[STAMP_DIGITS + i] = (char) HEX[(seq >>> (28 - 4 * i)) & 0xf];
        }
    }

    /**
     * Collects the header of one received message across however many parts it arrives in.
     * Not thread-safe: the JDK delivers one connection's parts strictly one after another.
     */
    static final class Reader {
        private long stamp;
        private long seq;
        private int digits;
        private boolean valid = true;

        boolean isComplete() {
            return digits == HEADER_BYTES && valid;
        }

        boolean wantsMore() {
            return digits < HEADER_BYTES;
        }

        void accept(int ch) {
            int v = Character.digit(ch, 16);
            if (v < 0) {
                valid = false;
            } else if (digits < STAMP_DIGITS) {
                stamp = stamp << 4 | v;
            } else {
                seq = seq << 4 | v;
            }
            digits++;
        }

        long stamp() {
            return stamp;
        }

        int seq() {
            return (int) seq;
        }

        void reset() {
            stamp = 0;
            seq = 0;
            digits = 0;
            valid = true;
        }
    }
}
