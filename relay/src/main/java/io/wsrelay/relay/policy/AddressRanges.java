package io.wsrelay.relay.policy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/**
 * The IP ranges an upstream address may fall in that are not public unicast, and CIDR matching.
 *
 * <p>IPv6 addresses that carry an IPv4 address (IPv4-mapped {@code ::ffff:0:0/96},
 * IPv4-compatible {@code ::/96}, NAT64 {@code 64:ff9b::/96}, 6to4 {@code 2002::/16}, Teredo
 * {@code 2001::/32}) are judged by that IPv4 address, so {@code ::ffff:127.0.0.1} is loopback.
 *
 * <p>Stateless and thread-safe.
 */
final class AddressRanges {

    /** How a range is treated. */
    enum Kind {
        /** Local networks: allowed only with {@code relay.upstream.allow-private-addresses}. */
        PRIVATE,
        /** Never allowed unless listed in {@code relay.upstream.allowed-networks}. */
        FORBIDDEN
    }

    /** A named range of a {@link Kind}. */
    record Range(Cidr cidr, String name, Kind kind) {
    }

    // Most specific first: the metadata addresses sit inside link-local and shared ranges.
    private static final List<Range> RANGES = List.of(
            range("169.254.169.254/32", "cloud metadata", Kind.FORBIDDEN),
            range("100.100.100.200/32", "cloud metadata", Kind.FORBIDDEN),
            range("192.0.0.0/24", "IETF protocol assignments (incl. cloud metadata)", Kind.FORBIDDEN),
            range("fd00:ec2::254/128", "cloud metadata", Kind.FORBIDDEN),
            range("0.0.0.0/8", "this network", Kind.PRIVATE),
            range("10.0.0.0/8", "private", Kind.PRIVATE),
            range("100.64.0.0/10", "carrier-grade NAT", Kind.PRIVATE),
            range("127.0.0.0/8", "loopback", Kind.PRIVATE),
            range("169.254.0.0/16", "link-local", Kind.PRIVATE),
            range("172.16.0.0/12", "private", Kind.PRIVATE),
            range("192.168.0.0/16", "private", Kind.PRIVATE),
            range("198.18.0.0/15", "benchmarking", Kind.PRIVATE),
            range("192.0.2.0/24", "documentation", Kind.FORBIDDEN),
            range("198.51.100.0/24", "documentation", Kind.FORBIDDEN),
            range("203.0.113.0/24", "documentation", Kind.FORBIDDEN),
            range("224.0.0.0/4", "multicast", Kind.FORBIDDEN),
            range("240.0.0.0/4", "reserved or broadcast", Kind.FORBIDDEN),
            range("::/128", "unspecified", Kind.PRIVATE),
            range("::1/128", "loopback", Kind.PRIVATE),
            range("fe80::/10", "link-local", Kind.PRIVATE),
            range("fec0::/10", "site-local", Kind.PRIVATE),
            range("fc00::/7", "unique local", Kind.PRIVATE),
            range("ff00::/8", "multicast", Kind.FORBIDDEN),
            range("100::/64", "discard", Kind.FORBIDDEN),
            range("2001:db8::/32", "documentation", Kind.FORBIDDEN));

    // Built from bytes: the JDK turns a parsed ::ffff:a.b.c.d into an IPv4 address.
    private static final Cidr MAPPED = new Cidr(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF,
            0, 0, 0, 0}, 96, "::ffff:0:0/96");
    private static final Cidr COMPATIBLE = Cidr.parse("::/96");
    private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");
    private static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");
    private static final Cidr TEREDO = Cidr.parse("2001::/32");

    private AddressRanges() {
    }

    /** The range {@code address} falls in; empty for public unicast. */
    static Optional<Range> classify(InetAddress address) {
        InetAddress judged = embeddedIpv4(address).orElse(address);
        for (Range r : RANGES) {
            if (r.cidr().contains(judged)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /**
     * The IPv4 address an IPv6 address carries, if it is of a form that carries one. {@code ::}
     * and {@code ::1} carry none (they are IPv6's own unspecified and loopback addresses).
     */
    static Optional<InetAddress> embeddedIpv4(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return Optional.empty();
        }
        byte[] b = address.getAddress();
        if (MAPPED.contains(address) || NAT64.contains(address)
                || (COMPATIBLE.contains(address) && !isZeroOrOne(b))) {
            return Optional.of(ipv4(b[12], b[13], b[14], b[15]));
        }
        if (SIX_TO_FOUR.contains(address)) {
            return Optional.of(ipv4(b[2], b[3], b[4], b[5]));
        }
        if (TEREDO.contains(address)) {
            // The client's address is stored inverted in the last 32 bits (RFC 4380 §4).
            return Optional.of(ipv4((byte) ~b[12], (byte) ~b[13], (byte) ~b[14], (byte) ~b[15]));
        }
        return Optional.empty();
    }

    private static boolean isZeroOrOne(byte[] b) {
        for (int i = 12; i < 15; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[15] == 0 || b[15] == 1;
    }

    private static InetAddress ipv4(byte a, byte b, byte c, byte d) {
        try {
            return InetAddress.getByAddress(new byte[] {a, b, c, d});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 bytes are always an IPv4 address", e);
        }
    }

    private static Range range(String cidr, String name, Kind kind) {
        return new Range(Cidr.parse(cidr), name, kind);
    }

    /**
     * An IPv4 or IPv6 network in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/8}); a bare
     * address is a network of one. Immutable.
     */
    record Cidr(byte[] network, int bits, String text) {

        /**
         * Parses {@code text}; it must be an IP literal (never a host name: nothing is resolved).
         *
         * @throws IllegalArgumentException if it is not an address with an optional prefix length
         */
        static Cidr parse(String text) {
            String t = text.strip();
            int slash = t.indexOf('/');
            String addr = slash < 0 ? t : t.substring(0, slash);
            if (addr.isEmpty() || !(addr.contains(":") || addr.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
                throw new IllegalArgumentException("not an IP network: " + text);
            }
            byte[] network;
            try {
                network = InetAddress.getByName(addr).getAddress(); // a literal: no lookup
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP network: " + text, e);
            }
            if (addr.contains(":") && network.length == 4) {
                throw new IllegalArgumentException("write IPv4-mapped networks in IPv4 form: " + text);
            }
            int max = network.length * 8;
            int bits;
            try {
                bits = slash < 0 ? max : Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in " + text, e);
            }
            if (bits < 0 || bits > max) {
                throw new IllegalArgumentException("prefix length out of range in " + text);
            }
            return new Cidr(network, bits, t);
        }

        /** Whether {@code address} (of the same family) lies in this network. */
        boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            if (a.length != network.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (a[full] & mask) == (network[full] & mask);
        }

        @Override
        public String toString() {
            return text;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Cidr c && c.bits == bits && java.util.Arrays.equals(c.network, network);
        }

        @Override
        public int hashCode() {
            return 31 * java.util.Arrays.hashCode(network) + bits;
        }
    }
}
