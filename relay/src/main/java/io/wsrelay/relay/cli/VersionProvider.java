package io.wsrelay.relay.cli;

import io.wsrelay.relay.ops.VersionInfo;
import picocli.CommandLine;

/** {@code wsrelay --version}: {@link VersionInfo#current()}, for picocli. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {VersionInfo.current().toString()};
    }
}
