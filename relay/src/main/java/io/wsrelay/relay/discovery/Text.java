package io.wsrelay.relay.discovery;

/** Cutting text without splitting a character. Stateless. */
final class Text {
    private Text() {
    }

    /**
     * The first {@code max} UTF-16 units of {@code s}, one fewer when that would leave the high
     * half of a surrogate pair at the end; {@code s} itself when it is short enough.
     *
     * @param max most UTF-16 units kept, at least 0
     */
    static String cut(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = max > 0 && Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end);
    }
}
