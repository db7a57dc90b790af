package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the values seen at one place of a message kind looked like, kept so that two shapes merge
 * (on another node, or after a restart) into the shape of all their values together; rendered as
 * a JSON Schema by {@link #schema()}. Bounded: {@link DiscoveryLimits#maxProperties()} nodes
 * (properties and array items) per kind over all levels, {@link DiscoveryLimits#maxDepth()} levels,
 * property names of at most {@value #MAX_NAME} characters without control characters, at most
 * {@link DiscoveryLimits#maxEnumValues()} distinct short strings per node and {@value #MAX_ENUM_CHARS}
 * characters of them per kind. Not thread-safe.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
final class Shape {
    private static final int NULL = 1;
    private static final int BOOLEAN = 2;
    private static final int INTEGER = 4;
    private static final int NUMBER = 8;
    private static final int STRING = 16;
    private static final int OBJECT = 32;
    private static final int ARRAY = 64;
    private static final String[] TYPE_NAMES = {"null", "boolean", "integer", "number", "string", "object", "array"};
    /** Strings longer than this, in characters, never count as enum values. */
    static final int MAX_ENUM_LENGTH = 40;
    /** Characters of enum values one kind's schema keeps, over all its nodes. */
    static final int MAX_ENUM_CHARS = 512;
    /** Longest property name recorded, in characters; longer ones are counted in {@link #propertiesDropped}. */
    static final int MAX_NAME = 64;
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}");

    long count;
    int types;
    long objects;
    long strings;
    long dateTimes;
    long uuids;
    long uris;
    long masked;
    /** Distinct string values seen, while there were at most maxEnumValues of them. */
    LinkedHashSet<String> values = new LinkedHashSet<>();
    /** More distinct (or long) strings were seen than an enum would list. */
    boolean manyValues;
    LinkedHashMap<String, Shape> properties = new LinkedHashMap<>();
    /**
     * Properties (and array items) left out because the kind's schema reached maxProperties, or
     * whose name was over {@link #MAX_NAME} characters or held a control character.
     */
    long propertiesDropped;
    Shape items;

    /**
     * What the kind whose schema is {@code root} may still add: {@code [0]} nodes (properties and
     * array items), {@code [1]} characters of enum values. {@link #observe} and {@link #merge}
     * decrement it.
     */
    static int[] budget(Shape root, DiscoveryLimits limits) {
        return new int[]{limits.maxProperties() - root.propertyCount(), MAX_ENUM_CHARS - root.enumChars()};
    }

    /** Whether {@code name} may be kept: at most {@link #MAX_NAME} characters, none a control character. */
    static boolean isRecordable(String name) {
        if (name.length() > MAX_NAME) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < 0x20) {
                return false;
            }
        }
        return true;
    }

    /** Adds one value; {@code budget} is what the kind may still add ({@link #budget}), decremented. */
    void observe(JsonNode value, int depth, DiscoveryLimits limits, int[] budget) {
        count++;
        switch (value.getNodeType()) {
            case NULL, MISSING -> types |= NULL;
            case BOOLEAN -> types |= BOOLEAN;
            case NUMBER -> types |= value.isIntegralNumber() ? INTEGER : NUMBER;
            case STRING -> string(value.asText(), limits, budget);
            case OBJECT -> {
                types |= OBJECT;
                objects++;
                if (depth < limits.maxDepth()) {
                    for (Map.Entry<String, JsonNode> e : value.properties()) {
                        Shape p = properties.get(e.getKey());
                        if (p == null) {
                            if (budget[0] <= 0 || !isRecordable(e.getKey())) {
                                propertiesDropped++;
                                continue;
                            }
                            budget[0]--;
                            p = new Shape();
                            properties.put(e.getKey(), p);
                        }
                        p.observe(e.getValue(), depth + 1, limits, budget);
                    }
                }
            }
            case ARRAY -> {
                types |= ARRAY;
                if (depth < limits.maxDepth()) {
                    for (JsonNode item : value) {
                        if (items == null) {
                            if (budget[0] <= 0) {
                                propertiesDropped++;
                                break;
                            }
                            budget[0]--;
                            items = new Shape();
                        }
                        items.observe(item, depth + 1, limits, budget);
                    }
                }
            }
            default -> types |= STRING;
        }
    }

    private void string(String s, DiscoveryLimits limits, int[] budget) {
        types |= STRING;
        strings++;
        if (s.equals(Masker.MASK)) {
            masked++;
            return;
        }
        if (isDateTime(s)) {
            dateTimes++;
        }
        if (s.length() == 36 && UUID.matcher(s).matches()) {
            uuids++;
        }
        if (s.startsWith("http://") || s.startsWith("https://") || s.startsWith("ws://") || s.startsWith("wss://")) {
            uris++;
        }
        if (!manyValues) {
            if (s.length() > MAX_ENUM_LENGTH || !isRecordable(s) || (s.indexOf('@') >= 0 && EMAIL.matcher(s).matches())) {
                manyValues = true;
                values.clear();
            } else {
                value(s, limits, budget);
            }
        }
    }

    /** Keeps {@code s} as a possible enum value, within the node's and the kind's bounds. */
    private void value(String s, DiscoveryLimits limits, int[] budget) {
        if (values.contains(s)) {
            return;
        }
        if (values.size() >= limits.maxEnumValues() || s.length() > budget[1]) {
            manyValues = true;
            values.clear();
            return;
        }
        budget[1] -= s.length();
        values.add(s);
    }

    private static boolean isDateTime(String s) {
        if (s.length() < 20 || s.length() > 40 || s.charAt(4) != '-' || s.charAt(10) != 'T') {
            return false;
        }
        try {
            OffsetDateTime.parse(s);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /** Adds everything {@code other} saw; {@code budget[0]} bounds the properties added, as in {@link #observe}. */
    void merge(Shape other, DiscoveryLimits limits, int[] budget) {
        count += other.count;
        types |= other.types;
        objects += other.objects;
        strings += other.strings;
        dateTimes += other.dateTimes;
        uuids += other.uuids;
        uris += other.uris;
        masked += other.masked;
        propertiesDropped += other.propertiesDropped;
        if (other.manyValues) {
            manyValues = true;
            values.clear();
        } else if (!manyValues) {
            for (String value : other.values) {
                if (manyValues) {
                    break;
                }
                if (isRecordable(value) && value.length() <= MAX_ENUM_LENGTH) {
                    value(value, limits, budget);
                } else {
                    manyValues = true;
                    values.clear();
                }
            }
        }
        for (Map.Entry<String, Shape> e : other.properties.entrySet()) {
            Shape mine = properties.get(e.getKey());
            if (mine == null) {
                if (budget[0] <= 0 || !isRecordable(e.getKey())) {
                    propertiesDropped += e.getValue().count;
                    continue;
                }
                budget[0]--;
                mine = new Shape();
                properties.put(e.getKey(), mine);
            }
            mine.merge(e.getValue(), limits, budget);
        }
        if (other.items != null) {
            if (items == null && budget[0] > 0) {
                budget[0]--;
                items = new Shape();
            }
            if (items == null) {
                propertiesDropped += other.items.count;
            } else {
                items.merge(other.items, limits, budget);
            }
        }
    }

    /** Nodes (properties and array items) in this shape and all below it. */
    int propertyCount() {
        int n = properties.size();
        for (Shape p : properties.values()) {
            n += p.propertyCount();
        }
        return items == null ? n : n + 1 + items.propertyCount();
    }

    /** Characters of the enum values kept in this shape and all below it. */
    int enumChars() {
        int n = 0;
        for (String v : values) {
            n += v.length();
        }
        for (Shape p : properties.values()) {
            n += p.enumChars();
        }
        return items == null ? n : n + items.enumChars();
    }

    /**
     * This shape as a JSON Schema (draft 7 keywords, which AsyncAPI 3.0 schemas accept):
     * {@code type} (one or a list), {@code properties} and {@code required} (the properties every
     * object had), {@code items}, {@code format} ({@code date-time}, {@code uuid}, {@code uri})
     * when every non-masked string had it, and {@code enum} for a small set of short strings seen
     * at least twice as often as there are values. {@code x-masked} marks values that were masked.
     */
    ObjectNode schema() {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < TYPE_NAMES.length; i++) {
            int bit = 1 << i;
            if ((types & bit) != 0 && !(bit == INTEGER && (types & NUMBER) != 0)) {
                names.add(TYPE_NAMES[i]);
            }
        }
        if (names.size() == 1) {
            s.put("type", names.getFirst());
        } else if (!names.isEmpty()) {
            ArrayNode t = s.putArray("type");
            names.forEach(t::add);
        }
        if ((types & OBJECT) != 0 && !properties.isEmpty()) {
            ObjectNode props = s.putObject("properties");
            ArrayNode required = JsonNodeFactory.instance.arrayNode();
            properties.forEach((name, p) -> {
                props.set(name, p.schema());
                if (p.count == objects) {
                    required.add(name);
                }
            });
            if (!required.isEmpty()) {
                s.set("required", required);
            }
        }
        if ((types & ARRAY) != 0 && items != null) {
            s.set("items", items.schema());
        }
        long plain = strings - masked;
        if ((types & STRING) != 0 && plain > 0) {
            if (dateTimes == plain) {
                s.put("format", "date-time");
            } else if (uuids == plain) {
                s.put("format", "uuid");
            } else if (uris == plain) {
                s.put("format", "uri");
            } else if (!manyValues && masked == 0 && (types & ~NULL) == STRING && !values.isEmpty()
                    && plain >= 2L * values.size()) {
                ArrayNode e = s.putArray("enum");
                values.forEach(e::add);
                if ((types & NULL) != 0) {
                    e.addNull();
                }
            }
        }
        if (masked > 0) {
            s.put("x-masked", true);
        }
        return s;
    }
}
