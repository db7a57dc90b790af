package io.wsrelay.relay.discovery;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The parameter names of a raw query, never its values; the relay's own {@code endpointId} left out. Stateless. */
final class QueryNames {
    /** Names longer than this are cut (a value pasted as a name is not kept whole). */
    private static final int MAX_NAME = 64;
    private static final int MAX_NAMES = 32;

    private QueryNames() {
    }

    static List<String> of(String rawQuery) {
        List<String> names = new ArrayList<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return names;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String raw = eq < 0 ? pair : pair.substring(0, eq);
            String name;
            try {
                name = URLDecoder.decode(raw, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                name = raw;
            }
            if (name.isEmpty() || name.equals("endpointId") || names.contains(name)) {
                continue;
            }
            names.add(name.length() > MAX_NAME ? name.substring(0, MAX_NAME) : name);
            if (names.size() >= MAX_NAMES) {
                break;
            }
        }
        return names;
    }
}
