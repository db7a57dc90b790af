package io.wsrelay.relay.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of this build and the git commit it was built from, as {@code wsrelay --version}
 * prints them and discovery's HAR files name their creator. Read from
 * {@code wsrelay-version.properties}, which the build fills in. Immutable.
 *
 * @param version the Maven project version, e.g. {@code 0.1.0}
 * @param commit  the full id of the commit checked out when the jar was built, or {@code unknown}
 *                when the build ran outside a git checkout
 */
public record VersionInfo(String version, String commit) {
    /** Filled in by the build (relay/pom.xml filters this one resource). */
    static final String RESOURCE = "/io/wsrelay/relay/wsrelay-version.properties";

    /**
     * The version of the classes this process runs; reads a class path resource each call.
     *
     * @throws UncheckedIOException if the resource is there but cannot be read
     */
    public static VersionInfo current() {
        Properties p = new Properties();
        try (InputStream in = VersionInfo.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        return new VersionInfo(filled(p.getProperty("version")), filled(p.getProperty("commit")));
    }

    /** A value the build did not fill in (no git checkout, classes compiled by an IDE) is {@code unknown}. */
    private static String filled(String value) {
        return value == null || value.isBlank() || value.startsWith("${") ? "unknown" : value;
    }

    /** {@code wsrelay 0.1.0 (commit 0123abcd...)} */
    @Override
    public String toString() {
        return "wsrelay " + version + " (commit " + commit + ")";
    }
}
