package io.wsrelay.relay;

import org.eclipse.jetty.websocket.api.Callback;

import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The credit hand-off between a WebSocket listener, called on its library's thread, and the
 * {@link Pump} of one direction, running on its own virtual thread.
 *
 * <p><b>Credit.</b> The inbox holds at most {@link #maxParts()} message parts and asks its
 * source for another part only while it holds fewer than that and fewer than
 * {@link #maxBytes()} payload bytes. A listener that hands over a part while credit remains
 * demands the next one inline ({@link #offerText}/{@link #offerBinary} call the demand), so the
 * library goes on reading on the same thread; when credit runs out the demand is owed, and the
 * pump pays it in {@link #release()} once the head part is written. The source only delivers
 * parts it was asked for, so at any time the inbox holds at most {@code maxParts} parts and at
 * most {@code maxBytes} plus one part's bytes (a part is at most the library's read buffer:
 * {@code relay}'s 16 KiB Jetty input buffer, or the JDK client's {@code jdk.httpclient.bufsize}).
 * Jetty's parts, text and binary, are held in Jetty's own buffers until their callback
 * completes, so a direction retains at most {@code maxParts} of Jetty's network buffers; parts
 * from the JDK client are copied into buffers of this inbox (the JDK reuses its read buffer once
 * more is requested; text is encoded to UTF-8 as it is copied), so the JDK retains nothing.
 * Every part is bytes here, text as UTF-8: credit counts payload bytes as they go on the wire.
 *
 * <p>Order: parts are taken in the order offered; close and failure are terminal events kept
 * beside the parts and delivered after every pending part; {@link #stop()} is delivered at the
 * next {@link #take()}, and the parts still held are given back by {@link #releaseAll()}.
 *
 * <p>Threads: offer methods are called by one listener thread at a time (both libraries
 * guarantee it); {@link #take()}, the head accessors and {@link #release()} by the pump thread
 * only; terminal methods and {@link #isHolding()} by any thread. The demand runs outside the
 * lock, never while holding it.
 */
final class Inbox {

    /** What {@link #take()} found. */
    enum Event { DATA, CLOSE, FAILURE, STOPPED }

    /**
     * Parts a direction may hold by default: four messages in flight per connection, each of a
     * few parts, are read in one wake-up of the pump instead of one part per write cycle.
     */
    static final int DEFAULT_MAX_PARTS = 8;
    /** Payload bytes a direction may hold by default before it stops demanding (plus one part). */
    static final int DEFAULT_MAX_BYTES = 64 * 1024;
    /** Largest copy buffer a slot keeps for reuse; larger parts get a buffer of their own. */
    private static final int KEEP_COPY_BYTES = 4096;

    private final int maxParts;
    private final long maxBytes;
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * The pump thread while it waits in {@link #take()}, else null; woken with
     * {@link LockSupport#unpark} (a Condition allocates a node on every wait, once per part).
     */
    private Thread waiter;

    // The ring of held parts: head is the oldest, count how many.
    private final boolean[] text;
    private final boolean[] last;
    private final ByteBuffer[] parts;
    private final Callback[] callbacks;
    private final ByteBuffer[] copies;
    private final int[] sizes;
    private int head;
    // The JDK's text, offered by one listener thread at a time: a high surrogate that ended a part.
    private boolean holdingHighSurrogate;
    private char heldHighSurrogate;
    private int count;
    private long bytes;
    private boolean owed;
    private Runnable demand = () -> { };

    // Terminal events; the first one wins.
    private boolean terminal;
    private Event terminalEvent;
    private int closeCode;
    private String closeReason = "";
    private Throwable failure;

    /** An inbox with the default credit. */
    Inbox() {
        this(DEFAULT_MAX_PARTS, DEFAULT_MAX_BYTES);
    }

    /**
     * @param maxParts most parts held, at least 1
     * @param maxBytes payload bytes held before demand stops, at least 1
     */
    Inbox(int maxParts, long maxBytes) {
        if (maxParts < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("credit must be at least one part and one byte");
        }
        this.maxParts = maxParts;
        this.maxBytes = maxBytes;
        text = new boolean[maxParts];
        last = new boolean[maxParts];
        parts = new ByteBuffer[maxParts];
        callbacks = new Callback[maxParts];
        copies = new ByteBuffer[maxParts];
        sizes = new int[maxParts];
    }

    int maxParts() {
        return maxParts;
    }

    long maxBytes() {
        return maxBytes;
    }

    /**
     * Sets what asks the source for one more part ({@code Session.demand()} or
     * {@code WebSocket.request(1)}; it must not block), and asks for the first part. Called
     * once, by the pump as it starts.
     */
    void start(Runnable sourceDemand) {
        lock.lock();
        try {
            this.demand = sourceDemand;
        } finally {
            lock.unlock();
        }
        sourceDemand.run();
    }

    /**
     * Hands over a text part as the UTF-8 bytes Jetty read (not yet validated: the pump does),
     * held as is; {@code callback} gives the buffer back to Jetty in {@link #release()}. A code
     * point may continue in the next part. Demands the next part at once if credit remains.
     *
     * @throws IllegalStateException if the inbox is full (the source ignored demand)
     */
    void offerText(ByteBuffer utf8, boolean isLast, Callback callback) {
        offer(true, isLast, utf8, null, callback);
    }

    /**
     * Hands over a text part from the JDK client (whose buffer the JDK reuses): encoded now to
     * UTF-8 into a buffer of this inbox. A high surrogate that ends a part which is not the last
     * waits for the low half in the next part, so a pair is never split into two bytes sequences.
     * Demands the next part at once if credit remains.
     *
     * @throws IllegalStateException if the inbox is full (the source ignored demand)
     */
    void offerText(CharSequence chars, boolean isLast) {
        offer(true, isLast, null, chars, null);
    }

    /**
     * Hands over a binary part. With a {@code callback} (Jetty) the buffer is held as is and the
     * callback completed by {@link #release()}; without one (JDK) the bytes are copied now.
     * Demands the next part at once if credit remains.
     *
     * @throws IllegalStateException if the inbox is full (the source ignored demand)
     */
    void offerBinary(ByteBuffer part, boolean isLast, Callback callback) {
        offer(false, isLast, part, null, callback);
    }

    /** Stores one part: {@code bytes} (held, or copied when there is no callback) or {@code chars} (encoded). */
    private void offer(boolean isText, boolean isLast, ByteBuffer bytes, CharSequence chars, Callback callback) {
        boolean demandNow;
        Runnable d;
        lock.lock();
        try {
            if (count == maxParts) {
                throw new IllegalStateException("a message part arrived with no credit left (" + maxParts + " parts held)");
            }
            int i = (head + count) % maxParts;
            ByteBuffer part;
            if (chars != null) {
                part = encode(i, chars, isLast);
            } else if (callback == null) {
                part = copy(i, bytes);
            } else {
                part = bytes;
            }
            text[i] = isText;
            last[i] = isLast;
            parts[i] = part;
            callbacks[i] = callback;
            int size = part.remaining();
            sizes[i] = size;
            count++;
            this.bytes += size;
            demandNow = hasCredit();
            owed = !demandNow;
            d = demand;
            if (count == 1) {
                signal();
            }
        } finally {
            lock.unlock();
        }
        if (demandNow) {
            d.run();
        }
    }

    private ByteBuffer copy(int slot, ByteBuffer part) {
        int n = part.remaining();
        return copyBuffer(slot, n).put(0, part, part.position(), n).limit(n); // absolute: no duplicate of part
    }

    private ByteBuffer encode(int slot, CharSequence chars, boolean isLast) {
        int len = chars.length();
        if (len == 0 && !isLast) {
            return copyBuffer(slot, 0).flip(); // empty: a held high surrogate goes on waiting
        }
        int from = 0;
        int end = !isLast && len > 0 && Character.isHighSurrogate(chars.charAt(len - 1)) ? len - 1 : len;
        boolean pair = holdingHighSurrogate && len > 0 && Character.isLowSurrogate(chars.charAt(0));
        int n = Utf8.length(chars, pair ? 1 : 0, end) + (holdingHighSurrogate ? (pair ? 4 : 3) : 0);
        ByteBuffer into = copyBuffer(slot, n);
        if (holdingHighSurrogate) {
            // The previous part's last char: with this part's first it is one code point, else unpaired (U+FFFD).
            Utf8.encodeCodePoint(pair ? Character.toCodePoint(heldHighSurrogate, chars.charAt(0)) : heldHighSurrogate, into);
            from = pair ? 1 : 0;
        }
        Utf8.encode(chars, from, end, into);
        holdingHighSurrogate = end < len;
        heldHighSurrogate = holdingHighSurrogate ? chars.charAt(len - 1) : 0;
        return into.flip();
    }

    /** This slot's reused copy buffer, cleared, with room for {@code n} bytes; a part over {@link #KEEP_COPY_BYTES} gets its own. */
    private ByteBuffer copyBuffer(int slot, int n) {
        ByteBuffer into = copies[slot];
        if (into == null || into.capacity() < n) {
            into = ByteBuffer.allocate(Math.max(n, 256));
            copies[slot] = n <= KEEP_COPY_BYTES ? into : null;
        }
        return into.clear();
    }

    private boolean hasCredit() {
        return count < maxParts && bytes < maxBytes;
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
     * Waits for the next event: pending parts first, oldest first, then the terminal event;
     * {@link Event#STOPPED} comes before pending parts.
     *
     * @throws InterruptedException if the pump thread is interrupted while waiting
     */
    Event take() throws InterruptedException {
        for (;;) {
            lock.lock();
            try {
                if (count > 0 || terminal) {
                    waiter = null;
                    return count > 0 && terminalEvent != Event.STOPPED ? Event.DATA : terminalEvent;
                }
                waiter = Thread.currentThread();
            } finally {
                lock.unlock();
            }
            // A signal between the unlock and here leaves a permit: park returns at once.
            LockSupport.park(this);
            if (Thread.interrupted()) {
                throw new InterruptedException("pump interrupted while waiting for a part");
            }
        }
    }

    /** Wakes the pump if it waits in {@link #take()}; under the lock. */
    private void signal() {
        Thread w = waiter;
        if (w != null) {
            waiter = null;
            LockSupport.unpark(w);
        }
    }

    /** Whether a part is pending: handed over and not yet {@link #release() released}. Any thread. */
    boolean isHolding() {
        lock.lock();
        try {
            return count > 0;
        } finally {
            lock.unlock();
        }
    }

    /** Parts held now. Any thread. */
    int parts() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    /** Payload bytes held now (text in UTF-8). Any thread. */
    long bytes() {
        lock.lock();
        try {
            return bytes;
        } finally {
            lock.unlock();
        }
    }

    // Head accessors: the pump thread, after take() returned DATA.

    boolean isText() {
        return text[head];
    }

    boolean isLast() {
        return last[head];
    }

    /** The head part, position to limit: a binary part's bytes, or a text part's UTF-8 bytes (a code point may continue in the next part). */
    ByteBuffer part() {
        return parts[head];
    }

    /** Whether another part is held behind the head one (the pump's sink may batch the head part). */
    boolean hasMore() {
        lock.lock();
        try {
            return count > 1;
        } finally {
            lock.unlock();
        }
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

    /**
     * Gives the head part back to its library (completes Jetty's callback) and removes it; then,
     * if a demand was owed and credit is back, asks the source for the next part. No-op when empty.
     */
    void release() {
        Callback callback;
        boolean demandNow = false;
        Runnable d;
        lock.lock();
        try {
            if (count == 0) {
                return;
            }
            callback = callbacks[head];
            bytes -= sizes[head];
            clear(head);
            head = (head + 1) % maxParts;
            count--;
            if (owed && hasCredit() && !terminal) {
                owed = false;
                demandNow = true;
            }
            d = demand;
        } finally {
            lock.unlock();
        }
        // Outside the lock: both may run library code.
        if (callback != null) {
            callback.succeed();
        }
        if (demandNow) {
            d.run();
        }
    }

    /** Gives every held part back to its library, without demanding more. For a pump that ends. */
    void releaseAll() {
        Callback[] pending;
        lock.lock();
        try {
            pending = new Callback[count];
            for (int n = 0; n < count; n++) {
                int i = (head + n) % maxParts;
                pending[n] = callbacks[i];
                clear(i);
            }
            head = 0;
            count = 0;
            bytes = 0;
            owed = false;
        } finally {
            lock.unlock();
        }
        for (Callback c : pending) {
            if (c != null) {
                c.succeed();
            }
        }
    }

    private void clear(int i) {
        parts[i] = null;
        callbacks[i] = null;
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
            signal();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "Inbox{" + count + "/" + maxParts + " parts, " + bytes + "/" + maxBytes + " bytes"
                    + (owed ? ", demand owed" : "") + (terminal ? ", " + terminalEvent : "") + "}";
        } finally {
            lock.unlock();
        }
    }
}
