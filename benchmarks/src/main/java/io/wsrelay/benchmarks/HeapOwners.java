package io.wsrelay.benchmarks;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Attributes every object of a heap dump (HPROF, as {@code jcmd PID GC.heap_dump} writes it) to
 * an <em>owner</em>: the nearest object up its chain of first referrers whose class belongs to a
 * library or to wsrelay (not {@code java.*}, {@code sun.*}, arrays or lambdas), named as
 * {@code OwnerClass.field}. With two dumps of one process, base and held, it prints the growth
 * per session by owner, in bytes: where an idle session's live heap goes, buffers included.
 *
 * <p>"First referrer" is the first reference the dump lists, not the dominator: an object shared
 * by two owners is counted once, for one of them. Objects with no referrer (GC roots: thread
 * stacks, statics) are their own owners. Sizes are shallow: 16-byte headers, fields and array
 * elements as the dump gives them (no alignment), so totals are within a few percent of the
 * class histogram's.
 *
 * <p>Usage: {@code HeapOwners BASE.hprof HELD.hprof SESSIONS [TOP]}. Needs about 60 bytes of its
 * own heap per object in the larger dump.
 */
final class HeapOwners {

    private static final int HEADER_BYTES = 16;
    private static final int MAX_DEPTH = 24;

    private int idSize;
    private final Map<Long, String> strings = new HashMap<>();
    private final Map<Long, String> classNames = new HashMap<>();
    /** Class id to its super's id and its own instance fields (name string ids and types). */
    private final Map<Long, ClassInfo> classes = new HashMap<>();
    private final LongMap objectClass = new LongMap();
    private final LongMap objectBytes = new LongMap();
    private final LongMap referrer = new LongMap();
    private final LongMap referrerField = new LongMap();

    private record ClassInfo(long superId, long[] fieldNames, byte[] fieldTypes, int instanceBytes) {
    }

    private HeapOwners() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: HeapOwners BASE.hprof HELD.hprof SESSIONS [TOP]");
            System.exit(2);
        }
        int sessions = Integer.parseInt(args[2]);
        int top = args.length > 3 ? Integer.parseInt(args[3]) : 60;
        Map<String, long[]> base = owners(Path.of(args[0]));
        Map<String, long[]> held = owners(Path.of(args[1]));
        System.out.print(report(base, held, sessions, top));
    }

    /** Owner to {objects, bytes} for one dump. */
    static Map<String, long[]> owners(Path dump) throws IOException {
        HeapOwners h = new HeapOwners();
        h.parse(dump);
        return h.attribute();
    }

    static String report(Map<String, long[]> base, Map<String, long[]> held, int sessions, int top) {
        List<String> keys = new ArrayList<>(held.keySet());
        base.keySet().stream().filter(k -> !held.containsKey(k)).forEach(keys::add);
        keys.sort((a, b) -> Long.compare(growth(held, base, b), growth(held, base, a)));
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "live heap growth per session by owner (%d sessions): objects, bytes, owner.field%n", sessions));
        long total = 0;
        for (String k : keys) {
            total += growth(held, base, k);
        }
        out.append(String.format(Locale.ROOT, "  total %.0f B%n", total / (double) sessions));
        for (String k : keys.subList(0, Math.min(top, keys.size()))) {
            long objects = held.getOrDefault(k, new long[2])[0] - base.getOrDefault(k, new long[2])[0];
            out.append(String.format(Locale.ROOT, "  %8.2f %9.0f B  %s%n", objects / (double) sessions,
                    growth(held, base, k) / (double) sessions, k));
        }
        return out.toString();
    }

    private static long growth(Map<String, long[]> held, Map<String, long[]> base, String k) {
        return held.getOrDefault(k, new long[2])[1] - base.getOrDefault(k, new long[2])[1];
    }

    private Map<String, long[]> attribute() {
        Map<String, long[]> owners = new TreeMap<>();
        objectClass.forEach((id, cls) -> {
            String owner = ownerOf(id);
            long[] a = owners.computeIfAbsent(owner, k -> new long[2]);
            a[0]++;
            a[1] += objectBytes.get(id);
        });
        return owners;
    }

    private String ownerOf(long id) {
        long cur = id;
        long field = -1;
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            long parent = referrer.get(cur);
            if (parent == LongMap.NONE) {
                return name(cur) + " (root)";
            }
            field = referrerField.get(cur);
            String parentClass = name(parent);
            if (isOwner(parentClass)) {
                return parentClass + "." + (field == LongMap.NONE ? "[]" : strings.getOrDefault(field, "?"));
            }
            cur = parent;
        }
        return name(cur) + " (deep)";
    }

    static boolean isOwner(String cls) {
        return !(cls.startsWith("java.") || cls.startsWith("sun.") || cls.startsWith("[") || cls.contains("$$Lambda")
                || cls.startsWith("jdk.internal.misc.") || cls.startsWith("jdk.internal.ref."));
    }

    private String name(long objectId) {
        if (classes.containsKey(objectId)) {
            return "class " + classNames.getOrDefault(objectId, "?");
        }
        long cls = objectClass.get(objectId);
        return classNames.getOrDefault(cls, "?");
    }

    // ---- HPROF ---------------------------------------------------------------------------------------

    private void parse(Path dump) throws IOException {
        try (InputStream in = Files.newInputStream(dump);
             DataInputStream d = new DataInputStream(new BufferedInputStream(in, 1 << 20))) {
            while (d.readByte() != 0) {
                // "JAVA PROFILE 1.0.2\0"
            }
            idSize = d.readInt();
            d.readLong();
            Map<Long, Long> classNameIds = new HashMap<>();
            while (true) {
                int tag;
                try {
                    tag = d.readUnsignedByte();
                } catch (EOFException e) {
                    break;
                }
                d.readInt();
                long length = Integer.toUnsignedLong(d.readInt());
                switch (tag) {
                    case 0x01 -> {
                        long id = id(d);
                        byte[] utf8 = new byte[(int) (length - idSize)];
                        d.readFully(utf8);
                        strings.put(id, new String(utf8, StandardCharsets.UTF_8));
                    }
                    case 0x02 -> {
                        d.readInt();
                        long classId = id(d);
                        d.readInt();
                        classNameIds.put(classId, id(d));
                    }
                    case 0x0C, 0x1C -> heapDump(d, length);
                    default -> d.skipNBytes(length);
                }
            }
            classNameIds.forEach((cls, nameId) ->
                    classNames.put(cls, strings.getOrDefault(nameId, "?").replace('/', '.')));
        }
    }

    private void heapDump(DataInputStream d, long length) throws IOException {
        long end = length;
        long read = 0;
        while (read < end) {
            int sub = d.readUnsignedByte();
            read += 1;
            switch (sub) {
                case 0xFF -> read += skip(d, idSize);
                case 0x01 -> read += skip(d, 2L * idSize);
                case 0x02, 0x03 -> read += skip(d, idSize + 8L);
                case 0x04, 0x06 -> read += skip(d, idSize + 4L);
                case 0x05, 0x07 -> read += skip(d, idSize);
                case 0x08 -> read += skip(d, idSize + 8L);
                case 0x20 -> read += classDump(d);
                case 0x21 -> read += instanceDump(d);
                case 0x22 -> read += objectArrayDump(d);
                case 0x23 -> read += primitiveArrayDump(d);
                default -> throw new IOException("unknown heap dump sub-record 0x" + Integer.toHexString(sub));
            }
        }
    }

    private long classDump(DataInputStream d) throws IOException {
        long start = 0;
        long id = id(d);
        d.readInt();
        long superId = id(d);
        start += 2L * idSize + 4;
        start += skip(d, 5L * idSize); // loader, signers, protection domain, two reserved
        int instanceBytes = d.readInt();
        start += 4;
        int constants = d.readUnsignedShort();
        start += 2;
        for (int i = 0; i < constants; i++) {
            d.readUnsignedShort();
            int type = d.readUnsignedByte();
            start += 3 + skip(d, size(type));
        }
        int statics = d.readUnsignedShort();
        start += 2;
        for (int i = 0; i < statics; i++) {
            long name = id(d);
            int type = d.readUnsignedByte();
            start += idSize + 1;
            if (type == 2) {
                long value = id(d);
                start += idSize;
                if (value != 0 && referrer.get(value) == LongMap.NONE) {
                    referrer.put(value, id);
                    referrerField.put(value, name);
                }
            } else {
                start += skip(d, size(type));
            }
        }
        int fields = d.readUnsignedShort();
        start += 2;
        long[] names = new long[fields];
        byte[] types = new byte[fields];
        for (int i = 0; i < fields; i++) {
            names[i] = id(d);
            types[i] = d.readByte();
            start += idSize + 1;
        }
        classes.put(id, new ClassInfo(superId, names, types, instanceBytes));
        return start;
    }

    private long instanceDump(DataInputStream d) throws IOException {
        long id = id(d);
        d.readInt();
        long classId = id(d);
        int n = d.readInt();
        byte[] values = new byte[n];
        d.readFully(values);
        objectClass.put(id, classId);
        objectBytes.put(id, HEADER_BYTES + n);
        int pos = 0;
        for (long c = classId; c != 0 && classes.containsKey(c); c = classes.get(c).superId()) {
            ClassInfo info = classes.get(c);
            for (int i = 0; i < info.fieldTypes().length; i++) {
                int type = info.fieldTypes()[i];
                if (type == 2) {
                    long ref = readId(values, pos);
                    if (ref != 0 && referrer.get(ref) == LongMap.NONE) {
                        referrer.put(ref, id);
                        referrerField.put(ref, info.fieldNames()[i]);
                    }
                    pos += idSize;
                } else {
                    pos += size(type);
                }
            }
        }
        return 2L * idSize + 8 + n;
    }

    private long objectArrayDump(DataInputStream d) throws IOException {
        long id = id(d);
        d.readInt();
        int n = d.readInt();
        long classId = id(d);
        objectClass.put(id, classId);
        objectBytes.put(id, HEADER_BYTES + (long) n * idSize);
        for (int i = 0; i < n; i++) {
            long ref = id(d);
            if (ref != 0 && referrer.get(ref) == LongMap.NONE) {
                referrer.put(ref, id);
            }
        }
        return 2L * idSize + 8 + (long) n * idSize;
    }

    /** Primitive arrays have no class id in the dump; they are named by a pseudo class per type. */
    private long primitiveArrayDump(DataInputStream d) throws IOException {
        long id = id(d);
        d.readInt();
        int n = d.readInt();
        int type = d.readUnsignedByte();
        long bytes = (long) n * size(type);
        d.skipNBytes(bytes);
        long pseudoClass = -type;
        classNames.putIfAbsent(pseudoClass, primitiveArrayName(type));
        objectClass.put(id, pseudoClass);
        objectBytes.put(id, HEADER_BYTES + bytes);
        return idSize + 9 + bytes;
    }

    private static String primitiveArrayName(int type) {
        return switch (type) {
            case 4 -> "[Z";
            case 5 -> "[C";
            case 6 -> "[F";
            case 7 -> "[D";
            case 8 -> "[B";
            case 9 -> "[S";
            case 10 -> "[I";
            case 11 -> "[J";
            default -> "[?";
        };
    }

    private int size(int type) {
        return switch (type) {
            case 2 -> idSize;
            case 4, 8 -> 1;
            case 5, 9 -> 2;
            case 6, 10 -> 4;
            case 7, 11 -> 8;
            default -> throw new IllegalStateException("unknown basic type " + type);
        };
    }

    private long id(DataInputStream d) throws IOException {
        return idSize == 8 ? d.readLong() : Integer.toUnsignedLong(d.readInt());
    }

    private long readId(byte[] b, int pos) {
        long v = 0;
        for (int i = 0; i < idSize; i++) {
            v = (v << 8) | (b[pos + i] & 0xFF);
        }
        return v;
    }

    private static long skip(DataInputStream d, long n) throws IOException {
        d.skipNBytes(n);
        return n;
    }

    /** An open-addressing map from long to long (ids are never 0; {@link #NONE} marks absence). */
    static final class LongMap {
        static final long NONE = Long.MIN_VALUE;
        private long[] keys = new long[1 << 16];
        private long[] values = new long[1 << 16];
        private int size;

        long get(long key) {
            int mask = keys.length - 1;
            for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
                if (keys[i] == 0) {
                    return NONE;
                }
                if (keys[i] == key) {
                    return values[i];
                }
            }
        }

        void put(long key, long value) {
            if (2 * (size + 1) > keys.length) {
                grow();
            }
            int mask = keys.length - 1;
            for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
                if (keys[i] == 0) {
                    keys[i] = key;
                    values[i] = value;
                    size++;
                    return;
                }
                if (keys[i] == key) {
                    values[i] = value;
                    return;
                }
            }
        }

        void forEach(java.util.function.BiConsumer<Long, Long> action) {
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] != 0) {
                    action.accept(keys[i], values[i]);
                }
            }
        }

        private void grow() {
            long[] k = keys;
            long[] v = values;
            keys = new long[k.length * 2];
            values = new long[k.length * 2];
            size = 0;
            for (int i = 0; i < k.length; i++) {
                if (k[i] != 0) {
                    put(k[i], v[i]);
                }
            }
        }

        private static int hash(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }
    }
}
