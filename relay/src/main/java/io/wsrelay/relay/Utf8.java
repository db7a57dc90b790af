package io.wsrelay.relay;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * UTF-8 on the data path, without a String per message: the {@link Decoder} that validates the
 * client's text parts and decodes them for the JDK client, and the encoder that turns the JDK
 * client's text parts into the bytes Jetty writes.
 */
final class Utf8 {
    /** U+FFFD, written for an unpaired surrogate (3 bytes in UTF-8). */
    private static final char REPLACEMENT = '\ufffd';

    private Utf8() {
    }

    /**
     * Length in UTF-8 bytes of {@code s} from {@code from} to {@code to}; an unpaired surrogate
     * counts as the 3 bytes of {@link #encode its replacement}.
     */
    static int length(CharSequence s, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /**
     * Writes {@code s} from {@code from} to {@code to} as UTF-8 into {@code into}, which must have
     * {@link #length} bytes of room; an unpaired surrogate becomes U+FFFD.
     *
     * @return the bytes written
     */
    static int encode(CharSequence s, int from, int to, ByteBuffer into) {
        int start = into.position();
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                into.put((byte) c);
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                encodeCodePoint(Character.toCodePoint(c, s.charAt(++i)), into);
            } else {
                encodeCodePoint(c, into);
            }
        }
        return into.position() - start;
    }

    /** Writes one code point as UTF-8 (1 to 4 bytes); a surrogate code point becomes U+FFFD. */
    static void encodeCodePoint(int cp, ByteBuffer into) {
        if (cp < 0x80) {
            into.put((byte) cp);
        } else if (cp < 0x800) {
            into.put((byte) (0xC0 | cp >> 6)).put((byte) (0x80 | cp & 0x3F));
        } else if (cp < 0x10000) {
            int c = cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE ? REPLACEMENT : cp;
            into.put((byte) (0xE0 | c >> 12)).put((byte) (0x80 | c >> 6 & 0x3F)).put((byte) (0x80 | c & 0x3F));
        } else {
            into.put((byte) (0xF0 | cp >> 18)).put((byte) (0x80 | cp >> 12 & 0x3F))
                    .put((byte) (0x80 | cp >> 6 & 0x3F)).put((byte) (0x80 | cp & 0x3F));
        }
    }

    /**
     * Decodes one direction's text parts into one reused {@link CharBuffer}, checking that each
     * message is valid UTF-8 (RFC 6455 §8.1: overlong forms, encoded surrogates and code points
     * past U+10FFFF are refused too, as by the JDK's decoder). A code point split across parts is
     * completed by the next part: its first bytes (at most 3) wait here, so a decoded part never
     * ends with half a surrogate pair.
     *
     * <p>Not thread-safe: one per pump, called by its thread only. The buffer {@link #decode}
     * returns is valid until the next call.
     */
    static final class Decoder {
        /** Chars the reused buffer starts with; it grows to the largest part seen (a part is at most a read buffer). */
        private static final int INITIAL_CHARS = 1024;
        /** The longest UTF-8 sequence. */
        private static final int MAX_SEQUENCE = 4;

        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        /** The first bytes of a code point the previous part ended inside; in write mode. */
        private final ByteBuffer carry = ByteBuffer.allocate(MAX_SEQUENCE);
        private CharBuffer chars = CharBuffer.allocate(INITIAL_CHARS);

        /**
         * Decodes {@code part} (position to limit, left as they were).
         *
         * @param last whether the part ends its message: it must then end on a code point boundary
         * @return the part's text, from position 0; valid until the next call
         * @throws CloseCodes.InvalidPayloadException if the message is not valid UTF-8 so far
         *         (its sender gets 1007); the decoder is then ready for a new message
         */
        CharBuffer decode(ByteBuffer part, boolean last) {
            int start = part.position();
            try {
                int room = part.remaining() + carry.position();
                if (chars.capacity() < room) {
                    chars = CharBuffer.allocate(room); // UTF-8 never decodes to more chars than bytes
                }
                chars.clear();
                if (carry.position() > 0 && !completeCarried(part)) {
                    if (last) {
                        throw invalid();
                    }
                    return chars.flip();
                }
                CoderResult result = decoder.decode(part, chars, false);
                check(result);
                if (result.isOverflow()) {
                    throw new IllegalStateException("no room for " + part.remaining() + " bytes of text"); // never: room ≥ bytes
                }
                if (part.hasRemaining()) {
                    // The part ends inside a code point (the decoder already refused a bad start).
                    if (last) {
                        throw invalid();
                    }
                    carry.put(part);
                }
                if (last) {
                    decoder.reset();
                }
                return chars.flip();
            } catch (CloseCodes.InvalidPayloadException e) {
                carry.clear();
                decoder.reset();
                throw e;
            } finally {
                part.position(start);
            }
        }

        /**
         * Completes the carried code point with the first bytes of {@code part}. Returns false
         * when {@code part} ran out first (its bytes were all added to the carry).
         */
        private boolean completeCarried(ByteBuffer part) {
            int held = carry.position();
            int take = Math.min(MAX_SEQUENCE - held, part.remaining());
            carry.put(carry.position(), part, part.position(), take).position(held + take);
            carry.flip();
            check(decoder.decode(carry, chars, false));
            if (carry.position() == 0) {
                // Still not a whole code point: every byte of the part is in the carry now.
                carry.position(carry.limit()).limit(MAX_SEQUENCE);
                part.position(part.position() + take);
                return false;
            }
            // The carried code point (and maybe more) decoded; bytes it did not use are the part's.
            part.position(part.position() + take - carry.remaining());
            carry.clear();
            return true;
        }

        private static void check(CoderResult result) {
            if (result.isError()) {
                throw invalid();
            }
        }

        private static CloseCodes.InvalidPayloadException invalid() {
            return new CloseCodes.InvalidPayloadException("text message is not valid UTF-8");
        }
    }
}
