package io.wsrelay.relay;

import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A Jetty (websocket-core) {@link Callback} a pump thread can block on, reused for every write of one direction
 * so that writing a part allocates nothing.
 *
 * <p>Protocol: {@link #reset()}, pass it to one Jetty send, then {@link #await(Duration)}. Jetty
 * completes it on its own thread; a pump never has two writes outstanding, so one instance per
 * pump is enough.
 */
final class BlockingCallback implements Callback {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition completed = lock.newCondition();
    private boolean done;
    private Throwable failure;

    void reset() {
        lock.lock();
        try {
            done = false;
            failure = null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void succeeded() {
        complete(null);
    }

    @Override
    public void failed(Throwable cause) {
        complete(cause == null ? new IOException("write failed") : cause);
    }

    /** Completing it only signals the waiting pump. */
    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    /**
     * Blocks until Jetty completes the write.
     *
     * @throws IOException          if the write failed, or did not complete within {@code timeout}
     * @throws InterruptedException if the calling thread is interrupted
     */
    void await(Duration timeout) throws IOException, InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (!done) {
                if (nanos <= 0) {
                    throw new IOException("client write did not complete within " + timeout.toMillis() + " ms");
                }
                nanos = completed.awaitNanos(nanos);
            }
            if (failure != null) {
                throw failure instanceof IOException io ? io : new IOException(failure.getMessage(), failure);
            }
        } finally {
            lock.unlock();
        }
    }

    private void complete(Throwable cause) {
        lock.lock();
        try {
            done = true;
            failure = cause;
            completed.signal();
        } finally {
            lock.unlock();
        }
    }
}
