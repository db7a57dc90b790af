package io.wsrelay.relay;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Fails a test when any thread (a relay pump, a Jetty or JDK client task) dies of an uncaught
 * exception while it runs, except for one race inside Jetty 12.1 that tests closing stalled
 * request heads can meet: when the relay cuts a connection whose request head is half read
 * (relay.handshake-timeout, {@link RequestHeadGuard}), Jetty's {@code HttpConnection} can release
 * its request buffer twice, once from its error path and once from {@code onFillable}'s, and the
 * second release throws {@code IllegalStateException("already released ...")} on a Jetty
 * virtual thread. The connection is closed either way and the buffer pool checks the count
 * before it takes the buffer back, so nothing leaks; the tests' own checks (the client sees the
 * connection end, descriptors and threads back at their baseline) still run.
 *
 * <p>Awaitility would otherwise rethrow such an exception from whichever {@code await()} runs at
 * the time, so while a class using this extension runs, Awaitility does not catch uncaught
 * exceptions and this extension reports them after each test instead.
 */
public final class UncaughtExceptions implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    private final List<Throwable> seen = new CopyOnWriteArrayList<>();
    private Thread.UncaughtExceptionHandler previous;

    @Override
    public void beforeAll(ExtensionContext context) {
        previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            seen.add(e);
            if (previous != null) {
                previous.uncaughtException(thread, e);
            } else {
                System.err.println("Exception in thread \"" + thread.getName() + "\"");
                e.printStackTrace();
            }
        });
        Awaitility.doNotCatchUncaughtExceptionsByDefault();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<Throwable> unexpected = new ArrayList<>();
        for (Throwable e : seen) {
            if (!isJettyRequestBufferRace(e)) {
                unexpected.add(e);
            }
        }
        seen.clear();
        if (!unexpected.isEmpty()) {
            AssertionError failure = new AssertionError(unexpected.size() + " uncaught exception(s) in other threads; first: "
                    + unexpected.getFirst(), unexpected.getFirst());
            unexpected.stream().skip(1).forEach(failure::addSuppressed);
            throw failure;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Thread.setDefaultUncaughtExceptionHandler(previous);
        Awaitility.catchUncaughtExceptionsByDefault();
    }

    /** The double release described above: Jetty's HttpConnection releasing its request buffer. */
    static boolean isJettyRequestBufferRace(Throwable e) {
        if (!(e instanceof IllegalStateException) || e.getMessage() == null || !e.getMessage().startsWith("already released")) {
            return false;
        }
        for (StackTraceElement frame : e.getStackTrace()) {
            if (frame.getClassName().equals("org.eclipse.jetty.server.internal.HttpConnection")
                    && frame.getMethodName().equals("releaseRequestBuffer")) {
                return true;
            }
        }
        return false;
    }
}
