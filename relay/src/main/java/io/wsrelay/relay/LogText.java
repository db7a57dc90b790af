package io.wsrelay.relay;

/**
 * Client-supplied text made safe for a log line: control characters (a newline could forge a
 * second line, an escape sequence could rewrite a terminal) are written as a backslash, u and four hex digits, and
 * the text is cut to {@value #MAX_CHARS} characters. Pure and thread-safe.
 */
public final class LogText {
    /** Longest piece of client text in a log line, in characters. */
    static final int MAX_CHARS = 128;

    private LogText() {
    }

    /** {@code text} escaped and cut; "null" for null. */
    public static String safe(String text) {
        if (text == null) {
            return "null";
        }
        int end = Math.min(text.length(), MAX_CHARS);
        StringBuilder out = null;
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            boolean control = c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029;
            if (control && out == null) {
                out = new StringBuilder(end + 16).append(text, 0, i);
            }
            if (out != null) {
                if (control) {
                    out.append(String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
        }
        String result = out == null ? text.substring(0, end) : out.toString();
        return text.length() > MAX_CHARS ? result + "..." : result;
    }
}
