package io.wsrelay.relay;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** What this test JVM holds, for leak checks: platform threads, file descriptors, heap. */
public final class ProcessResources {
    private ProcessResources() {
    }

    /** Names of the live platform threads, without Awaitility's own poller. */
    public static Set<String> platformThreadNames() {
        Set<String> names = new TreeSet<>();
        Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(name -> !name.startsWith("awaitility")) // the waiting thread itself
                .forEach(names::add);
        return names;
    }

    /** Open file descriptors of this process (sockets included), from {@code /proc/self/fd}. */
    public static long openFileDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /** Heap in use right after a full collection was asked for, in bytes. */
    public static long usedHeapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
