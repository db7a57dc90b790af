package io.wsrelay.relay.policy;

import io.wsrelay.relay.spi.Endpoint;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.HexFormat;

/**
 * TLS trust for an endpoint's {@code wss://} upstream: the JVM's default trust store, or only
 * the PEM certificate(s) in the endpoint's {@link Endpoint#trustedCa()} (a private CA or a
 * self-signed certificate). Either way the JDK client verifies the chain and the host name
 * (HTTPS endpoint identification) and sends SNI for host names; a failure is 502
 * {@code upstream_tls}.
 *
 * <p>Stateless and thread-safe.
 */
public final class UpstreamTrust {
    private UpstreamTrust() {
    }

    /**
     * Fails if the endpoint's trusted CA cannot be used; a no-op for default trust.
     *
     * @throws IllegalArgumentException if it holds no readable X.509 certificate
     */
    public static void check(Endpoint endpoint) {
        if (!endpoint.trustedCa().isBlank()) {
            sslContext(endpoint.trustedCa());
        }
    }

    /** A stable key for the trust of {@code pem}: its SHA-256, hex. */
    public static String fingerprint(String pem) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(pem.strip()
                    .getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    /**
     * An SSL context that trusts exactly the certificates in {@code pem}.
     *
     * @throws IllegalArgumentException if {@code pem} holds no readable X.509 certificate
     */
    public static SSLContext sslContext(String pem) {
        try {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.strip().getBytes(StandardCharsets.US_ASCII)));
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException("the trusted CA holds no certificate");
            }
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate c : certificates) {
                trust.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("the trusted CA is not readable PEM X.509: " + e.getMessage(), e);
        }
    }
}
