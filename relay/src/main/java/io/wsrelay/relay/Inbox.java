package io.wsrelay.relay;

import org.eclipse.jetty.websocket.api.Callback;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The hand-off between a WebSocket listener, called on its library's thread, and the
 * {@link Pump} of one direction, running on its own virtual thread.
 *
 * <p>It holds at most one message part: the pump asks its source for the next part only after
 * the previous one was written and {@link #release() released}, so a listener never finds the
 * slot full and never blocks. The part is not copied; its buffer stays owned by the library
 * until {@link #release()} completes the library's callback or future. Close and failure are
 * terminal events kept beside the slot: they are delivered after a pending part.
 *
 * <p>Offer methods are called by one listener thread at a time (both libraries guarantee it);
 * {@link #take()} and {@link #release()} by the pump thread only; terminal methods by any thread.
 * One instance is reused for every part of a session, so the hot path allocates nothing here.
 */
final class Inbox {

    /** What {@link #take()} found. */
    enum Event { DATA, CLOSE, FAILURE, STOPPED }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    // The data slot.
    private boolean hasData;
    private boolean text;
    private boolean last;
    private CharSequence textPart;
    private ByteBuffer binaryPart;
    private Callback jettyCallback;
    private CompletableFuture<Void> jdkDone;

    // Terminal events; the first one wins.
    private boolean terminal;
    private Event terminalEvent;
    private int closeCode;
    private String closeReason = "";
    private Throwable failure;

    /**
     * Hands over a text part. {@code done} (JDK side) is completed by {@link #release()}; null
     * when the part needs no release (Jetty's partial text is an immutable String).
     *
     * @throws IllegalStateException if a part is already pending (the source ignored demand)
     */
    void offerText(CharSequence part, boolean isLast, CompletableFuture<Void> done) {
        lock.lock();
        try {
            checkEmpty();
            hasData = true;
            text = true;
            last = isLast;
            textPart = part;
            jdkDone = done;
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Hands over a binary part; exactly one of {@code callback} (Jetty) and {@code done} (JDK)
     * is non-null, and {@link #release()} completes it.
     *
     * @throws IllegalStateException if a part is already pending (the source ignored demand)
     */
    void offerBinary(ByteBuffer part, boolean isLast, Callback callback, CompletableFuture<Void> done) {
        lock.lock();
        try {
            checkEmpty();
            hasData = true;
            text = false;
            last = isLast;
            binaryPart = part;
            jettyCallback = callback;
            jdkDone = done;
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The source sent a close frame (or its connection ended, with 1006). Ignored after the first terminal event. */
    void close(int code, String reason) {
        terminate(Event.CLOSE, code, reason, null);
    }

    /** The source failed. Ignored after the first terminal event. */
    void fail(Throwable cause) {
        terminate(Event.FAILURE, 0, "", cause);
    }

    /** The session is being torn down: the pump stops at its next {@link #take()}. */
    void stop() {
        terminate(Event.STOPPED, 0, "", null);
    }

    /**
     * Waits for the next event: a pending part first, then the terminal event.
     *
     * @throws InterruptedException if the pump thread is interrupted while waiting
     */
    Event take() throws InterruptedException {
        lock.lock();
        try {
            while (!hasData && !terminal) {
                changed.await();
            }
            return hasData && terminalEvent != Event.STOPPED ? Event.DATA : terminalEvent;
        } finally {
            lock.unlock();
        }
    }

    /** Whether a part is pending: handed over and not yet {@link #release() released}. Any thread. */
    boolean isHolding() {
        lock.lock();
        try {
            return hasData;
        } finally {
            lock.unlock();
        }
    }

    boolean isText() {
        return text;
    }

    boolean isLast() {
        return last;
    }

    CharSequence textPart() {
        return textPart;
    }

    ByteBuffer binaryPart() {
        return binaryPart;
    }

    int closeCode() {
        return closeCode;
    }

    String closeReason() {
        return closeReason;
    }

    Throwable failure() {
        return failure;
    }

    /** Gives the pending part back to its library and empties the slot. No-op when empty. */
    void release() {
        Callback callback;
        CompletableFuture<Void> done;
        lock.lock();
        try {
            if (!hasData) {
                return;
            }
            callback = jettyCallback;
            done = jdkDone;
            hasData = false;
            textPart = null;
            binaryPart = null;
            jettyCallback = null;
            jdkDone = null;
        } finally {
            lock.unlock();
        }
        // Outside the lock: completing may run library code.
        if (callback != null) {
            callback.succeed();
        }
        if (done != null) {
            done.complete(null);
        }
    }

    private void terminate(Event event, int code, String reason, Throwable cause) {
        lock.lock();
        try {
            if (terminal) {
                return;
            }
            terminal = true;
            terminalEvent = event;
            closeCode = code;
            closeReason = reason == null ? "" : reason;
            failure = cause;
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    private void checkEmpty() {
        if (hasData) {
            throw new IllegalStateException("a message part arrived before the previous one was written");
        }
    }
}
