package io.wsrelay.relay.browser;

import java.util.regex.Pattern;

/**
 * Finds where a script must go in an HTML document to run before any of the page's own: just
 * after the {@code <head>} start tag, or where the head would start when the document has none.
 *
 * <p>Reads only the document's prologue, the way the HTML tokenizer does: a byte order mark,
 * whitespace, comments (IE conditional comments included), the doctype, processing instructions,
 * the {@code <html>} start tag, then the {@code <head>} start tag. Tag names match in any ASCII
 * case; {@code >} inside quoted attribute values does not end a tag. When the element right
 * after the insertion point is a {@code <meta>} declaring the charset, the point moves past it,
 * so the declaration stays within the first 1024 bytes where browsers look for it. Nothing goes
 * before the doctype, which would switch the page to quirks mode. The page's own nodes parse
 * into the same tree as without the script.
 *
 * <p>Stateless; works on any {@link CharSequence}, including a byte-per-char view of an
 * ASCII-compatible encoding.
 */
final class HtmlHead {

    private static final char BOM = '\uFEFF';
    /** {@code charset=} in a meta tag: {@code <meta charset=...>} or its http-equiv form. */
    private static final Pattern CHARSET = Pattern.compile("\\bcharset\\s*=", Pattern.CASE_INSENSITIVE);
    /** The UTF-8 byte order mark as seen through a byte-per-char (ISO-8859-1) view. */
    private static final String UTF8_BOM_AS_BYTES = "\u00EF\u00BB\u00BF";

    private HtmlHead() {
    }

    /** Offset in {@code html} at which to insert a script; 0 to {@code html.length()}. */
    static int insertionPoint(CharSequence html) {
        int at = startsWith(html, 0, UTF8_BOM_AS_BYTES) ? UTF8_BOM_AS_BYTES.length()
                : !html.isEmpty() && html.charAt(0) == BOM ? 1 : 0;
        at = skipMarkup(html, at);
        if (isStartTag(html, skipSpace(html, at), "html")) {
            at = skipMarkup(html, tagEnd(html, skipSpace(html, at), at));
        }
        int next = skipSpace(html, at);
        if (isStartTag(html, next, "head")) {
            at = tagEnd(html, next, at);
            next = skipSpace(html, at);
        } else {
            // Without a head, the script starts one. Whitespace before that point is dropped by
            // the parser and comments stay where they are only if the script comes after both.
            at = next;
        }
        if (isStartTag(html, next, "meta") && declaresCharset(html, next)) {
            at = tagEnd(html, next, at);
        }
        return at;
    }

    /** Skips comments, doctype and processing instructions; returns the end of the last one. */
    private static int skipMarkup(CharSequence html, int at) {
        while (true) {
            int next = skipSpace(html, at);
            // From next + 2, so the empty comments <!--> and <!---> end where the tokenizer ends them.
            int end = startsWith(html, next, "<!--") ? endOf(html, "-->", next + 2)
                    : startsWith(html, next, "<!") || startsWith(html, next, "<?") ? endOf(html, ">", next + 2)
                    : -1;
            if (end < 0) {
                return at;
            }
            at = end;
        }
    }

    /** End of the start tag at {@code lt}, or {@code fallback} if it never ends. */
    private static int tagEnd(CharSequence html, int lt, int fallback) {
        char quote = 0;
        boolean afterEquals = false;
        for (int i = lt + 1; i < html.length(); i++) {
            char c = html.charAt(i);
            if (quote != 0) {
                quote = c == quote ? 0 : quote;
            } else if (c == '>') {
                return i + 1;
            } else if (afterEquals && (c == '"' || c == '\'')) {
                quote = c;
                afterEquals = false;
            } else if (c == '=') {
                afterEquals = true;
            } else if (!isSpace(c)) {
                afterEquals = false;
            }
        }
        return fallback;
    }

    private static boolean declaresCharset(CharSequence html, int lt) {
        int end = tagEnd(html, lt, -1);
        return end > 0 && CHARSET.matcher(html.subSequence(lt, end)).find();
    }

    private static boolean isStartTag(CharSequence html, int at, String name) {
        int after = at + 1 + name.length();
        return startsWith(html, at, "<") && startsWith(html, at + 1, name)
                && (after == html.length() || isSpace(html.charAt(after)) || html.charAt(after) == '>'
                || html.charAt(after) == '/');
    }

    /** Whether {@code prefix} (lower case ASCII) stands at {@code at}, in any ASCII case. */
    private static boolean startsWith(CharSequence html, int at, String prefix) {
        if (at + prefix.length() > html.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            char c = html.charAt(at + i);
            char lower = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
            if (lower != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Offset just past the first {@code needle} from {@code from} on, or -1. */
    private static int endOf(CharSequence html, String needle, int from) {
        for (int i = from; i + needle.length() <= html.length(); i++) {
            if (startsWith(html, i, needle)) {
                return i + needle.length();
            }
        }
        return -1;
    }

    private static int skipSpace(CharSequence html, int at) {
        while (at < html.length() && isSpace(html.charAt(at))) {
            at++;
        }
        return at;
    }

    /** ASCII whitespace as HTML defines it: tab, LF, FF, CR, space. */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
    }
}
