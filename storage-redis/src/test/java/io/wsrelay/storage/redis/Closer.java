package io.wsrelay.storage.redis;

import java.util.ArrayDeque;
import java.util.Deque;

/** Closes what a test opened, last opened first, even if one of them fails to close. */
final class Closer implements AutoCloseable {

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    /** Registers {@code closeable} to be closed and returns it. */
    <T extends AutoCloseable> T add(T closeable) {
        opened.push(closeable);
        return closeable;
    }

    /** @throws AssertionError carrying the first failure to close, the others suppressed */
    @Override
    public void close() {
        Exception failure = null;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw new AssertionError("closing what the test opened failed", failure);
        }
    }
}
