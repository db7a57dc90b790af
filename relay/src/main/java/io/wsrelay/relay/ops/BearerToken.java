package io.wsrelay.relay.ops;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The admin token ({@code relay.admin.token}) as the admin APIs check it: an
 * {@code Authorization: Bearer <token>} header (RFC 6750 §2.1, scheme case-insensitive).
 *
 * <p>Keeps only the token's SHA-256 digest and compares fixed-size digests in constant time, so
 * a check reveals neither the token nor its length. Immutable and safe to share between threads.
 */
public final class BearerToken {

    private static final String BEARER = "Bearer ";

    private final byte[] digest;

    private BearerToken(byte[] digest) {
        this.digest = digest;
    }

    /**
     * A check for {@code token}.
     *
     * @throws IllegalArgumentException if {@code token} is empty (an empty token would let
     *                                  {@code Authorization: Bearer } in)
     */
    public static BearerToken of(String token) {
        if (token.isEmpty()) {
            throw new IllegalArgumentException("the admin API needs a token (relay.admin.token)");
        }
        return new BearerToken(sha256(token));
    }

    /** Whether {@code request} carries this token; {@code false} when it has no bearer header. */
    public boolean matches(Request request) {
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        return MessageDigest.isEqual(digest, sha256(header.substring(BEARER.length()).strip()));
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
