package io.wsrelay.relay.browser;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InterceptorScriptTest {

    private static byte[] resourceBytes() throws Exception {
        try (InputStream in = InterceptorScript.class.getResourceAsStream(InterceptorScript.RESOURCE)) {
            return in.readAllBytes();
        }
    }

    @Test
    void contentIsTheClasspathResource() throws Exception {
        InterceptorScript script = InterceptorScript.load();

        assertEquals(ByteBuffer.wrap(resourceBytes()), script.content());
        assertEquals(resourceBytes().length, script.length());
    }

    @Test
    void etagIsTheQuotedSha256OfTheContent() throws Exception {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(resourceBytes());

        assertEquals('"' + Base64.getUrlEncoder().withoutPadding().encodeToString(hash) + '"',
                InterceptorScript.load().etag());
    }

    @Test
    void contentGivesEachCallerItsOwnReadOnlyView() {
        InterceptorScript script = InterceptorScript.load();
        ByteBuffer first = script.content();
        first.position(first.limit());

        ByteBuffer second = script.content();

        assertEquals(0, second.position());
        assertEquals(script.length(), second.remaining());
        assertTrue(second.isReadOnly());
        assertThrows(java.nio.ReadOnlyBufferException.class, () -> second.put(0, (byte) 0));
    }
}
