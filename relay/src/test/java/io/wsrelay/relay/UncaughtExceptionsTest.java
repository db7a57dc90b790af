package io.wsrelay.relay;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UncaughtExceptionsTest {
    private static final StackTraceElement RELEASE = new StackTraceElement(
            "org.eclipse.jetty.server.internal.HttpConnection", "releaseRequestBuffer", "HttpConnection.java", 340);

    @Test
    void onlyJettysDoubleReleaseOfItsRequestBufferIsTolerated() {
        IllegalStateException race = new IllegalStateException("already released oeji.Retainable$ReferenceCounter@1[rc=0]");
        race.setStackTrace(new StackTraceElement[] {RELEASE});
        IllegalStateException elsewhere = new IllegalStateException("already released x");
        IllegalArgumentException other = new IllegalArgumentException("already released x");
        other.setStackTrace(new StackTraceElement[] {RELEASE});
        assertTrue(UncaughtExceptions.isJettyRequestBufferRace(race));
        assertFalse(UncaughtExceptions.isJettyRequestBufferRace(elsewhere));
        assertFalse(UncaughtExceptions.isJettyRequestBufferRace(other));
    }

    @Test
    void anyOtherUncaughtExceptionFailsTheTestItHappenedIn() throws Exception {
        UncaughtExceptions extension = new UncaughtExceptions();
        extension.beforeAll(null);
        try {
            Thread dying = Thread.ofVirtual().start(() -> {
                throw new IllegalStateException("a pump died");
            });
            dying.join();
            AssertionError failure = assertThrows(AssertionError.class, () -> extension.afterEach(null));
            assertTrue(failure.getMessage().contains("a pump died"), failure.getMessage());
            assertDoesNotThrow(() -> extension.afterEach(null), "reported once");

            IllegalStateException race = new IllegalStateException("already released oeji.Retainable$ReferenceCounter@1[rc=0]");
            race.setStackTrace(new StackTraceElement[] {RELEASE});
            Thread jetty = Thread.ofVirtual().start(() -> {
                throw race;
            });
            jetty.join();
            assertDoesNotThrow(() -> extension.afterEach(null));
        } finally {
            extension.afterAll(null);
        }
    }
}
