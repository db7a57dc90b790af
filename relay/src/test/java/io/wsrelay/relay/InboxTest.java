package io.wsrelay.relay;

import org.eclipse.jetty.websocket.api.Callback;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The credit hand-off on its own: a source that delivers only what was demanded (as Jetty and
 * the JDK client do), a pump on another thread, and the promises the pumps rely on.
 */
class InboxTest {

    /** A source that, like the libraries, delivers one part per demand, on its own thread. */
    private static final class DemandingSource {
        final Semaphore demanded = new Semaphore(0);
        final AtomicInteger maxOutstanding = new AtomicInteger();

        void demand() {
            demanded.release();
            maxOutstanding.accumulateAndGet(demanded.availablePermits(), Math::max);
        }

        boolean awaitDemand() throws InterruptedException {
            return demanded.tryAcquire(Timeouts.MESSAGE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void partsArriveInOrderNoneLostOrDuplicatedAndCreditIsNeverExceeded() throws Exception {
        int parts = 20_000;
        int maxParts = 4;
        int maxBytes = 1000;
        int largestPart = 300;
        Inbox inbox = new Inbox(maxParts, maxBytes);
        DemandingSource source = new DemandingSource();
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger mostParts = new AtomicInteger();
        AtomicReference<Throwable> sourceFailure = new AtomicReference<>();
        Thread producer = Thread.ofVirtual().start(() -> {
            try {
                for (int n = 0; n < parts; n++) {
                    if (!source.awaitDemand()) {
                        throw new AssertionError("no demand for part " + n);
                    }
                    ByteBuffer b = ByteBuffer.allocate(4 + n % (largestPart - 4));
                    b.putInt(0, n);
                    inbox.offerBinary(b, n % 3 == 0, Callback.from(completed::incrementAndGet, x -> { }));
                    mostParts.accumulateAndGet(inbox.parts(), Math::max);
                    assertTrue(inbox.bytes() < maxBytes + largestPart, () -> "bytes held: " + inbox.bytes());
                }
                inbox.close(CloseCodes.NORMAL, "done");
            } catch (Throwable t) {
                sourceFailure.set(t);
                inbox.fail(t);
            }
        });
        inbox.start(source::demand);
        List<Integer> seen = new ArrayList<>(parts);
        Inbox.Event event;
        while ((event = inbox.take()) == Inbox.Event.DATA) {
            seen.add(inbox.part().getInt(0));
            inbox.release();
        }
        assertTrue(producer.join(Timeouts.MESSAGE));
        assertNull(sourceFailure.get());
        assertEquals(Inbox.Event.CLOSE, event, "close comes after every part");
        assertEquals(parts, seen.size());
        for (int n = 0; n < parts; n++) {
            assertEquals(n, seen.get(n), "part order");
        }
        assertEquals(parts, completed.get(), "every library buffer given back once");
        assertTrue(mostParts.get() <= maxParts, "parts held: " + mostParts.get());
        assertEquals(1, source.maxOutstanding.get(), "never more than one demand outstanding");
    }

    @Test
    void listenerDemandsInlineWhileCreditRemainsAndThePumpPaysTheOwedDemand() {
        Inbox inbox = new Inbox(2, 1000);
        AtomicInteger demands = new AtomicInteger();
        inbox.start(demands::incrementAndGet);
        assertEquals(1, demands.get());
        inbox.offerText("a", true);
        assertEquals(2, demands.get(), "credit left: asked for the next part at once");
        inbox.offerText("b", true);
        assertEquals(2, demands.get(), "no credit: the demand is owed");
        assertThrows(IllegalStateException.class, () -> inbox.offerText("c", true), "a part without demand");
        inbox.release();
        assertEquals(3, demands.get(), "the write of the head part paid the owed demand");
        inbox.release();
        assertEquals(3, demands.get(), "nothing owed: no extra demand");
    }

    @Test
    void byteCreditStopsDemandBeforeThePartCount() {
        Inbox inbox = new Inbox(8, 100);
        AtomicInteger demands = new AtomicInteger();
        inbox.start(demands::incrementAndGet);
        inbox.offerBinary(ByteBuffer.allocate(100), false, null);
        assertEquals(1, demands.get(), "100 bytes held: no more demand");
        inbox.release();
        assertEquals(2, demands.get());
    }

    @Test
    void closeAndFailureComeAfterPendingPartsButStopComesFirst() throws Exception {
        Inbox closing = new Inbox(4, 1000);
        closing.start(() -> { });
        closing.offerText("x", true);
        closing.close(CloseCodes.GOING_AWAY, "bye");
        closing.fail(new IllegalStateException("ignored: the first terminal event wins"));
        assertEquals(Inbox.Event.DATA, closing.take());
        assertEquals("x", StandardCharsets.UTF_8.decode(closing.part()).toString());
        closing.release();
        assertEquals(Inbox.Event.CLOSE, closing.take());
        assertEquals(CloseCodes.GOING_AWAY, closing.closeCode());
        assertEquals("bye", closing.closeReason());

        Inbox stopped = new Inbox(4, 1000);
        stopped.start(() -> { });
        AtomicInteger givenBack = new AtomicInteger();
        stopped.offerBinary(ByteBuffer.allocate(3), true, Callback.from(givenBack::incrementAndGet, x -> { }));
        stopped.offerBinary(ByteBuffer.allocate(3), true, Callback.from(givenBack::incrementAndGet, x -> { }));
        stopped.stop();
        assertEquals(Inbox.Event.STOPPED, stopped.take());
        stopped.releaseAll();
        assertEquals(2, givenBack.get(), "a stopped pump gives every held buffer back");
        assertFalse(stopped.isHolding());
    }

    @Test
    void partsFromTheJdkAreCopiedSoTheJdkMayReuseItsBuffers() throws Exception {
        Inbox inbox = new Inbox(4, 1000);
        inbox.start(() -> { });
        ByteBuffer jdkBuffer = ByteBuffer.wrap(new byte[] {1, 2, 3});
        CharBuffer jdkText = CharBuffer.wrap("héllo".toCharArray());
        inbox.offerBinary(jdkBuffer, true, null);
        inbox.offerText(jdkText, true);
        jdkBuffer.put(0, (byte) 9);
        jdkText.put(0, 'X');
        assertEquals(Inbox.Event.DATA, inbox.take());
        assertEquals(1, inbox.part().get(0), "binary copied at hand-over");
        assertEquals(3, inbox.part().remaining());
        inbox.release();
        assertEquals(Inbox.Event.DATA, inbox.take());
        assertEquals("héllo", StandardCharsets.UTF_8.decode(inbox.part()).toString(), "text encoded at hand-over");
    }

    @Test
    void holdingCountsAsWaitingForTheRelay() {
        Inbox inbox = new Inbox(2, 1000);
        inbox.start(() -> { });
        assertFalse(inbox.isHolding());
        inbox.offerText("x", false);
        assertTrue(inbox.isHolding());
        assertTrue(inbox.toString().contains("1/2 parts"), inbox.toString());
    }

    @Test
    void jettyTextIsHeldAsItsOwnBufferAndGivenBackOnRelease() throws Exception {
        Inbox inbox = new Inbox(4, 1000);
        inbox.start(() -> { });
        ByteBuffer jettyBuffer = ByteBuffer.wrap("hi".getBytes(StandardCharsets.UTF_8));
        AtomicInteger givenBack = new AtomicInteger();
        inbox.offerText(jettyBuffer, true, Callback.from(givenBack::incrementAndGet, x -> { }));
        assertEquals(Inbox.Event.DATA, inbox.take());
        assertTrue(inbox.isText());
        assertTrue(jettyBuffer == inbox.part(), "held, not copied");
        assertEquals(0, givenBack.get());
        inbox.release();
        assertEquals(1, givenBack.get());
    }

    @Test
    void creditCountsTextInUtf8Bytes() {
        Inbox inbox = new Inbox(8, 6);
        AtomicInteger demands = new AtomicInteger();
        inbox.start(demands::incrementAndGet);
        inbox.offerText("\u4e2d\u4e2d", false); // two chars, six bytes
        assertEquals(6, inbox.bytes());
        assertEquals(1, demands.get(), "six bytes held: no more demand");
    }

    @Test
    void aSurrogatePairSplitAcrossJdkPartsIsEncodedWhole() throws Exception {
        Inbox inbox = new Inbox(4, 1000);
        inbox.start(() -> { });
        inbox.offerText("a\ud83d", false);
        inbox.offerText("\ude00b", true);
        assertEquals(Inbox.Event.DATA, inbox.take());
        assertEquals(ByteBuffer.wrap(new byte[] {'a'}), inbox.part(), "the high surrogate waits for its pair");
        inbox.release();
        assertEquals(Inbox.Event.DATA, inbox.take());
        assertEquals(ByteBuffer.wrap("\ud83d\ude00b".getBytes(StandardCharsets.UTF_8)), inbox.part());
    }

    @Test
    void tellsThePumpWhenMorePartsAreHeld() throws Exception {
        Inbox inbox = new Inbox(4, 1000);
        inbox.start(() -> { });
        inbox.offerText("a", true);
        inbox.offerText("b", true);
        assertEquals(Inbox.Event.DATA, inbox.take());
        assertTrue(inbox.hasMore());
        inbox.release();
        assertEquals(Inbox.Event.DATA, inbox.take());
        assertFalse(inbox.hasMore());
    }
}
