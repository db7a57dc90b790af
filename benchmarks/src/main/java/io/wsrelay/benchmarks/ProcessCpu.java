package io.wsrelay.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * Reads the CPU time a process has used (user plus system, its own threads) from Linux's
 * {@code /proc/PID/stat}, fields 14 and 15, in clock ticks of 10 ms ({@code USER_HZ} is 100 on
 * every Linux architecture this runs on), returned in microseconds.
 */
final class ProcessCpu {

    private static final long MICROS_PER_TICK = 10_000;

    private ProcessCpu() {
    }

    /** CPU time of all {@code pids} together in µs; empty if any is gone or unreadable, or none given. */
    static OptionalLong micros(List<Long> pids) {
        if (pids.isEmpty()) {
            return OptionalLong.empty();
        }
        long sum = 0;
        for (long pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                // "pid (comm) state ppid ...": comm may hold spaces; fields count from after ')'.
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
                sum += (Long.parseLong(f[11]) + Long.parseLong(f[12])) * MICROS_PER_TICK; // utime, stime
            } catch (IOException | RuntimeException e) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.of(sum);
    }
}
