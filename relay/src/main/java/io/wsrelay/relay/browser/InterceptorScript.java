package io.wsrelay.relay.browser;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The browser script that sends a proxied page's WebSockets through the relay, as the relay
 * serves it at {@value #PATH}.
 *
 * <p>{@link #load()} reads the classpath resource once; the instance then holds the bytes and
 * their ETag. Immutable and safe to share between threads: every caller of {@link #content()}
 * gets its own read-only view of the same bytes.
 *
 * @see InterceptorScriptHandler
 */
public final class InterceptorScript {

    /** Request path the relay serves the script at. */
    public static final String PATH = "/ws-proxy/interceptor.js";
    /** {@code Content-Type} of the script. */
    public static final String CONTENT_TYPE = "text/javascript; charset=utf-8";
    /** Classpath resource, relative to this class. */
    static final String RESOURCE = "interceptor.js";

    private final ByteBuffer content;
    private final String etag;

    private InterceptorScript(byte[] bytes) {
        this.content = ByteBuffer.wrap(bytes).asReadOnlyBuffer();
        this.etag = etagOf(bytes);
    }

    /**
     * Reads the script from the classpath.
     *
     * @throws IllegalStateException if the resource is missing from the relay's jar
     * @throws UncheckedIOException  if it cannot be read
     */
    public static InterceptorScript load() {
        try (InputStream in = InterceptorScript.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing next to "
                        + InterceptorScript.class.getName());
            }
            return new InterceptorScript(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** The script as UTF-8 bytes: a read-only buffer positioned at 0, new for each call. */
    public ByteBuffer content() {
        return content.duplicate();
    }

    /** Length of the script, in bytes. */
    public int length() {
        return content.capacity();
    }

    /**
     * A strong entity tag of the content, quoted as it goes in the {@code ETag} header: the
     * SHA-256 of the bytes, base64url without padding. Changes whenever the script does.
     */
    public String etag() {
        return etag;
    }

    private static String etagOf(byte[] bytes) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(bytes);
            return '"' + Base64.getUrlEncoder().withoutPadding().encodeToString(hash) + '"';
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256 (MessageDigest's Javadoc).
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "InterceptorScript{bytes=" + length() + ", etag=" + etag + "}";
    }
}
