package io.wsrelay.relay.discovery;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Guesses what a binary message holds from its first bytes (magic numbers, then UTF-8 text). Stateless. */
final class ContentGuess {
    private ContentGuess() {
    }

    static String of(byte[] b) {
        if (b.length == 0) {
            return "empty";
        }
        if (starts(b, 0x1f, 0x8b)) {
            return "gzip";
        }
        if (starts(b, 0x89, 'P', 'N', 'G')) {
            return "png";
        }
        if (starts(b, 0xff, 0xd8, 0xff)) {
            return "jpeg";
        }
        if (starts(b, 'G', 'I', 'F', '8')) {
            return "gif";
        }
        if (starts(b, '%', 'P', 'D', 'F')) {
            return "pdf";
        }
        if (starts(b, 'P', 'K', 3, 4)) {
            return "zip";
        }
        if (starts(b, 'R', 'I', 'F', 'F')) {
            return "riff";
        }
        if (starts(b, 0x28, 0xb5, 0x2f, 0xfd)) {
            return "zstd";
        }
        if (isUtf8Text(b)) {
            char c = (char) b[0];
            return c == '{' || c == '[' ? "json-text" : "utf8-text";
        }
        int first = b[0] & 0xff;
        if (first >= 0x80 && first <= 0x8f || first == 0xde || first == 0xdf) {
            return "msgpack-map?";
        }
        if (first >= 0xa0 && first <= 0xbf) {
            return "cbor-map?";
        }
        int wireType = first & 7;
        if (first >> 3 >= 1 && first >> 3 <= 15 && (wireType == 0 || wireType == 2 || wireType == 5 || wireType == 1)) {
            return "protobuf?";
        }
        return "octet-stream";
    }

    private static boolean starts(byte[] b, int... magic) {
        if (b.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((b[i] & 0xff) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean isUtf8Text(byte[] b) {
        for (byte x : b) {
            int c = x & 0xff;
            if (c < 0x09 || (c > 0x0d && c < 0x20) || c == 0x7f) {
                return false;
            }
        }
        try {
            // The last character may be cut by the sample's end.
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, 0, Math.max(0, b.length - 3)));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
