package io.wsrelay.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/** Reads a process's resident memory from Linux's {@code /proc/PID/status} ({@code VmRSS}). */
final class ResidentMemory {

    private static final String FIELD = "VmRSS:";

    private ResidentMemory() {
    }

    /**
     * Resident memory of all {@code pids} together, in KiB (the kernel's "kB" is 1024 bytes).
     *
     * @return the sum, or empty if any of the processes is gone or its status cannot be read
     */
    static OptionalLong kib(List<Long> pids) {
        long sum = 0;
        for (long pid : pids) {
            OptionalLong one = kib(pid);
            if (one.isEmpty()) {
                return OptionalLong.empty();
            }
            sum += one.getAsLong();
        }
        return OptionalLong.of(sum);
    }

    /** Resident memory of one process in KiB, or empty if it is gone or unreadable. */
    static OptionalLong kib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(FIELD)) {
                    // "VmRSS:	   12345 kB"
                    String[] parts = line.substring(FIELD.length()).trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(parts[0]));
                }
            }
            return OptionalLong.empty(); // kernel threads and zombies have no VmRSS line
        } catch (IOException e) { // NoSuchFileException: the process is gone
            return OptionalLong.empty();
        }
    }
}
