package io.wsrelay.relay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed certificates made at test time with the JDK's {@code keytool}: a PKCS12 keystore
 * for a server and the certificate as PEM for whoever should trust it.
 */
public final class TestCertificates {
    public static final String PASSWORD = "changeit";

    /** A keystore file and its certificate in PEM. */
    public record Issued(Path keystore, String pem) {
    }

    private TestCertificates() {
    }

    /**
     * A self-signed EC certificate for {@code CN=<name>} whose subject alternative names are
     * {@code san} (keytool syntax, e.g. {@code dns:localhost}).
     */
    public static Issued selfSigned(Path dir, String name, String san) throws IOException, InterruptedException {
        Path keystore = dir.resolve(name + ".p12");
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-ext", "SAN=" + san, "-validity", "2", "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD, "-keypass", PASSWORD);
        Path pem = dir.resolve(name + ".pem");
        keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", keystore.toString(), "-storepass", PASSWORD,
                "-file", pem.toString());
        return new Issued(keystore, Files.readString(pem, StandardCharsets.US_ASCII));
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("keytool failed: " + output);
        }
    }
}
