package io.wsrelay.relay.discovery;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Kind names: capped, stripped, never blank, never half a character. */
class ClassifierTest {

    @Test
    void kindNamesAreStrippedCappedOnACharacterAndNeverBlank() {
        String emoji = "\ud83d\ude00";
        assertAll(
                () -> assertEquals("abc", Classifier.name(" ".repeat(100) + "abc" + " ".repeat(100))),
                () -> assertEquals("a b", Classifier.name("a\u0001b")),
                () -> assertEquals("(blank)", Classifier.name(" \t\u0002 ")),
                () -> assertEquals("x".repeat(Classifier.MAX_NAME), Classifier.name("x".repeat(5000))),
                () -> assertEquals("x".repeat(Classifier.MAX_NAME - 1), Classifier.name("x".repeat(Classifier.MAX_NAME - 1) + emoji)),
                () -> assertEquals(emoji.repeat(Classifier.MAX_NAME / 2), Classifier.name(emoji.repeat(1000))));
    }
}
