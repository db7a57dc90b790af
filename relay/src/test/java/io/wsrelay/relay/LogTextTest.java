package io.wsrelay.relay;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LogTextTest {

    @Test
    void controlCharactersCannotForgeALineOrDriveATerminal() {
        assertEquals("zz\\u000a2026 INFO FORGED\\u001b[31m\\u0000",
                LogText.safe("zz\n2026 INFO FORGED\u001b[31m\u0000"));
    }

    @Test
    void longTextIsCut() {
        assertEquals("x".repeat(LogText.MAX_CHARS) + "...", LogText.safe("x".repeat(1000)));
    }

    @Test
    void plainTextAndNullPassAsTheyAre() {
        assertEquals("endpoint-1", LogText.safe("endpoint-1"));
        assertEquals("null", LogText.safe(null));
    }
}
