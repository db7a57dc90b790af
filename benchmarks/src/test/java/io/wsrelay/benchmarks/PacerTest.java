package io.wsrelay.benchmarks;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PacerTest {

    @Test
    void windowAllowsSendingOnlyBelowTheWindowAndStampsNow() {
        Pacer p = new Pacer.Window(2);

        assertAll(
                () -> assertEquals(500, p.stamp(9, 1, 500)),
                () -> assertEquals(Pacer.NOT_YET, p.stamp(9, 2, 500)));
    }

    @Test
    void rateStampsTheIntendedTimeEvenWhenSendingLate() {
        Pacer p = new Pacer.Rate(1_000, 100, 10);

        assertAll(
                () -> assertEquals(Pacer.NOT_YET, p.stamp(3, 0, 1_299)),
                () -> assertEquals(1_300, p.stamp(3, 0, 1_300)),
                () -> assertEquals(1_300, p.stamp(3, 0, 9_999)),
                () -> assertEquals(Pacer.NOT_YET, p.stamp(3, 10, 9_999)));
    }

    @Test
    void onceSendsOnlyTheFirstMessage() {
        Pacer p = new Pacer.Once();

        assertAll(
                () -> assertEquals(7, p.stamp(0, 0, 7)),
                () -> assertEquals(Pacer.NOT_YET, p.stamp(1, 0, 7)));
    }
}
