package io.wsrelay.relay.cli;

import io.wsrelay.relay.spi.CaptureMode;
import picocli.CommandLine;

/** Reads {@code off}, {@code metadata}, {@code samples} in any letter case, for {@code --capture}. */
final class CaptureModeConverter implements CommandLine.ITypeConverter<CaptureMode> {
    @Override
    public CaptureMode convert(String value) {
        try {
            return CaptureMode.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
