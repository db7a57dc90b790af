package io.wsrelay.benchmarks;

import io.wsrelay.relay.SessionTap;
import io.wsrelay.relay.discovery.Discovery;
import io.wsrelay.relay.discovery.DiscoveryLimits;
import io.wsrelay.relay.spi.CaptureMode;
import io.wsrelay.relay.spi.Endpoint;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What API discovery costs the pump thread per message, measured in CPU time (not wall time), so
 * that other load on the machine barely moves it: for each capture mode, a pump-like loop hands
 * 64 B JSON text messages to a session's tap (exactly the call the pump makes before each write)
 * and the thread's CPU time is divided by the messages; plus the share of one core the aggregator
 * thread used meanwhile. The session's capture rate is set to the node's (2000 messages/s), so
 * the aggregator works at the node-wide cap, as under a flood of many sessions. Prints a Markdown
 * table; medians of {@code ROUNDS} rounds.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.wsrelay.benchmarks.DiscoveryTapCost [messages per round]}
 */
public final class DiscoveryTapCost {
    private static final int ROUNDS = 7;
    /** A small JSON message, and the load generator's 64 B text (24 hex digits, then filler). */
    private static final List<String> MESSAGES = List.of(
            "{\"type\":\"tick\",\"seq\":12345,\"at\":\"2026-12-01T10:00:00Z\"}",
            "00001a2b3c4d5e6f0000002a" + "x".repeat(40));

    private DiscoveryTapCost() {
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 5_000_000;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        System.out.println("| message | capture | pump CPU ns/message (median of " + ROUNDS + ") | aggregator CPU, % of one core |");
        System.out.println("|---|---|---:|---:|");
        DiscoveryLimits defaults = DiscoveryLimits.defaults();
        DiscoveryLimits limits = defaults.withSampleRates(defaults.samplesPerSecond(), defaults.samplesPerSecond());
        for (String message : MESSAGES) for (CaptureMode mode : CaptureMode.values()) {
            try (Discovery discovery = Discovery.create(limits, Optional.empty())) {
                Endpoint endpoint = Endpoint.of("bench", "ws://127.0.0.1:1").withCapture(mode);
                List<Long> perMessage = new ArrayList<>();
                long aggregatorBefore = aggregatorCpu(mx);
                long wallStart = System.nanoTime();
                for (int round = 0; round < ROUNDS + 1; round++) {
                    SessionTap tap = discovery.open(new SessionTap.Opening(round + 1, endpoint, "/bench", "a=1",
                            List.of(), null, 101, null));
                    SessionTap.Messages up = tap == null ? null : tap.toUpstream();
                    long start = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < messages; i++) {
                        // The pump's call site: one null check when capture is off.
                        if (up != null) {
                            up.text(message, message.length(), true);
                        }
                    }
                    long spent = mx.getCurrentThreadCpuTime() - start;
                    if (round > 0) { // round 0 warms the JIT up
                        perMessage.add(spent / messages);
                    }
                    if (tap != null) {
                        tap.ended(1000, 1000, "client", java.time.Duration.ofMillis(1));
                    }
                }
                long wall = System.nanoTime() - wallStart;
                long aggregator = aggregatorCpu(mx) - aggregatorBefore;
                perMessage.sort(null);
                System.out.printf("| %s | %s | %d | %.1f |%n", message.startsWith("{") ? "64 B JSON" : "64 B text",
                        mode.label(), perMessage.get(perMessage.size() / 2),
                        100.0 * aggregator / wall);
            }
        }
    }

    /** CPU nanoseconds of the live discovery-aggregator thread(s). */
    private static long aggregatorCpu(ThreadMXBean mx) {
        long total = 0;
        for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null && t.getThreadName().equals("discovery-aggregator")) {
                total += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
            }
        }
        return total;
    }
}
