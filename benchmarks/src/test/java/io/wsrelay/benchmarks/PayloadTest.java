package io.wsrelay.benchmarks;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PayloadTest {

    @ParameterizedTest
    @CsvSource({"0, 0", "123456789012, 7", "-5, 2147483647", "-9223372036854775807, -1"})
    void headerReadsBackWhatWasWrittenAsBytesAndAsChars(long stamp, int seq) {
        ByteBuffer bytes = ByteBuffer.wrap(Payload.template(64));
        Payload.writeHeader(bytes, stamp, seq);
        char[] chars = new char[64];
        Payload.writeHeader(chars, stamp, seq);

        Payload.Reader fromBytes = new Payload.Reader();
        Payload.Reader fromChars = new Payload.Reader();
        for (int i = 0; i < Payload.HEADER_BYTES; i++) {
            fromBytes.accept(bytes.get(i));
            fromChars.accept(chars[i]);
        }

        assertAll(
                () -> assertTrue(fromBytes.isComplete()),
                () -> assertEquals(stamp, fromBytes.stamp()),
                () -> assertEquals(seq, fromBytes.seq()),
                () -> assertEquals(stamp, fromChars.stamp()),
                () -> assertEquals(seq, fromChars.seq()),
                () -> assertEquals('x', bytes.get(Payload.HEADER_BYTES)));
    }

    @ParameterizedTest
    @CsvSource({"xxxxxxxxxxxxxxxxxxxxxxxx", "0000000000000000000000"})
    void headerWithForeignOrMissingDigitsIsIncomplete(String received) {
        Payload.Reader reader = new Payload.Reader();
        received.chars().forEach(reader::accept);

        assertFalse(reader.isComplete());
    }
}
