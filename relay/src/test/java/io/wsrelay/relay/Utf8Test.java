package io.wsrelay.relay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The relay's own UTF-8 handling on the data path: the decoder that validates the client's text
 * across fragments (RFC 6455 §8.1) and the encoder that turns the JDK client's text into bytes.
 */
class Utf8Test {
    private static final String MIXED = "a\u00e9\u4e2d\ud83d\ude00z"; // 1, 2, 3 and 4 bytes per character

    @Test
    void decodesAWholeMessageInOnePart() {
        Utf8.Decoder decoder = new Utf8.Decoder();
        assertEquals(MIXED, decoder.decode(utf8(MIXED), true).toString());
    }

    @Test
    void decodesEveryCodePointSplitAtEveryByteAcrossTwoParts() {
        byte[] bytes = MIXED.getBytes(StandardCharsets.UTF_8);
        Utf8.Decoder decoder = new Utf8.Decoder(); // one decoder for every message, as a pump has
        for (int cut = 0; cut <= bytes.length; cut++) {
            String first = decoder.decode(ByteBuffer.wrap(bytes, 0, cut), false).toString();
            String second = decoder.decode(ByteBuffer.wrap(bytes, cut, bytes.length - cut), true).toString();
            assertEquals(MIXED, first + second, "cut after byte " + cut);
        }
    }

    @Test
    void decodesAFourByteCodePointSentOneByteAPart() {
        byte[] bytes = "\ud83d\ude00".getBytes(StandardCharsets.UTF_8);
        Utf8.Decoder decoder = new Utf8.Decoder();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < bytes.length; i++) {
            out.append(decoder.decode(ByteBuffer.wrap(bytes, i, 1), i == bytes.length - 1));
        }
        assertEquals("\ud83d\ude00", out.toString());
    }

    @Test
    void neverEndsAPartWithHalfASurrogatePair() {
        byte[] bytes = "x\ud83d\ude00".getBytes(StandardCharsets.UTF_8);
        Utf8.Decoder decoder = new Utf8.Decoder();
        CharBuffer first = decoder.decode(ByteBuffer.wrap(bytes, 0, 3), false);
        assertEquals("x", first.toString(), "the split code point waits for its last bytes");
        assertEquals("\ud83d\ude00", decoder.decode(ByteBuffer.wrap(bytes, 3, 2), true).toString());
    }

    @Test
    void leavesThePartsPositionAndLimitAsTheyWere() {
        ByteBuffer part = utf8("hello \u00e9");
        int limit = part.limit();
        new Utf8.Decoder().decode(part, true);
        assertEquals(0, part.position());
        assertEquals(limit, part.limit());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "c328",         // a lead byte followed by ASCII
            "80",           // a lone continuation byte
            "c0af",         // overlong '/' in two bytes
            "e080af",       // overlong '/' in three bytes
            "f08080af",     // overlong '/' in four bytes
            "eda080",       // an encoded surrogate (U+D800)
            "f4908080",     // above U+10FFFF
            "ff",           // never valid in UTF-8
    })
    void refusesInvalidUtf8(String hex) {
        Utf8.Decoder decoder = new Utf8.Decoder();
        assertThrows(CloseCodes.InvalidPayloadException.class,
                () -> decoder.decode(ByteBuffer.wrap(HexFormat.of().parseHex(hex)), true));
    }

    @Test
    void refusesInvalidUtf8SplitAcrossParts() {
        Utf8.Decoder decoder = new Utf8.Decoder();
        decoder.decode(ByteBuffer.wrap(new byte[] {'a', (byte) 0xE2, (byte) 0x82}), false); // valid so far
        assertThrows(CloseCodes.InvalidPayloadException.class,
                () -> decoder.decode(ByteBuffer.wrap(new byte[] {0x28}), true));
    }

    @Test
    void refusesAnOverlongEncodingSplitAcrossParts() {
        Utf8.Decoder decoder = new Utf8.Decoder();
        decoder.decode(ByteBuffer.wrap(new byte[] {(byte) 0xE0}), false);
        assertThrows(CloseCodes.InvalidPayloadException.class,
                () -> decoder.decode(ByteBuffer.wrap(new byte[] {(byte) 0x80, (byte) 0xAF}), true));
    }

    @Test
    void refusesAMessageThatEndsInsideACodePoint() {
        Utf8.Decoder decoder = new Utf8.Decoder();
        decoder.decode(ByteBuffer.wrap(new byte[] {'o', 'k', (byte) 0xE2}), false);
        assertThrows(CloseCodes.InvalidPayloadException.class,
                () -> decoder.decode(ByteBuffer.wrap(new byte[] {(byte) 0x82}), true));
    }

    @Test
    void startsTheNextMessageCleanAfterARefusal() {
        Utf8.Decoder decoder = new Utf8.Decoder();
        assertThrows(CloseCodes.InvalidPayloadException.class, () -> decoder.decode(ByteBuffer.wrap(new byte[] {(byte) 0xE2}), true));
        assertEquals("ok", decoder.decode(utf8("ok"), true).toString());
    }

    @Test
    void decodesPartsLargerThanItsBuffer() {
        String big = MIXED.repeat(10_000);
        assertEquals(big, new Utf8.Decoder().decode(utf8(big), true).toString());
    }

    @Test
    void encodesTextAsItsUtf8Bytes() {
        ByteBuffer into = ByteBuffer.allocate(64);
        int n = Utf8.encode(MIXED, 0, MIXED.length(), into);
        into.flip();
        assertEquals(MIXED.getBytes(StandardCharsets.UTF_8).length, n);
        assertEquals(ByteBuffer.wrap(MIXED.getBytes(StandardCharsets.UTF_8)), into);
        assertEquals(n, Utf8.length(MIXED, 0, MIXED.length()));
    }

    @Test
    void encodesAnUnpairedSurrogateAsTheReplacementCharacter() {
        String lone = "a\ud83db";
        ByteBuffer into = ByteBuffer.allocate(16);
        int n = Utf8.encode(lone, 0, lone.length(), into);
        into.flip();
        assertEquals(ByteBuffer.wrap("a\ufffdb".getBytes(StandardCharsets.UTF_8)), into);
        assertEquals(n, Utf8.length(lone, 0, lone.length()));
    }

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }
}
