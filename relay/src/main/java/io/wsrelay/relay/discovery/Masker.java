package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Masks what looks secret in a captured message before anything of it is kept: the value under
 * a sensitive-looking key (at any depth, whatever its type) and, anywhere, values shaped like an
 * e-mail address, a JWT, an {@code Authorization} credential or a payment card number. A masked
 * value becomes the string {@value #MASK}. Stateless and thread-safe.
 *
 * <p>The key rule compares the key in lower case without {@code -}, {@code _}, {@code .} and
 * spaces, so {@code api_key}, {@code apiKey} and {@code X-Api-Key} all match.
 */
final class Masker {
    /** What a masked value is replaced with. */
    static final String MASK = "***";

    /** A key containing one of these (normalised) is sensitive. */
    private static final List<String> SENSITIVE_PARTS = List.of("token", "password", "passwd", "passphrase",
            "secret", "authorization", "cookie", "apikey", "credential", "signature", "privatekey", "accesskey",
            "sessionid", "jwt", "bearer", "otp", "cvv", "creditcard", "cardnumber", "ssn", "refreshtoken");
    /** A key equal to one of these (normalised) is sensitive. */
    private static final List<String> SENSITIVE_KEYS = List.of("auth", "pwd", "pass", "key", "sig", "pin", "sid",
            "nonce");
    private static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}");
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*");
    private static final Pattern CREDENTIAL = Pattern.compile("(?i)(bearer|basic|digest)\\s+[A-Za-z0-9._~+/=-]{6,}");
    private static final Pattern CARD = Pattern.compile("\\b(?:\\d[ -]?){12,18}\\d\\b");
    /** In free text: {@code token=...}, {@code "password": "..."}, {@code apiKey: ...}. */
    private static final Pattern TEXT_PAIR = Pattern.compile(
            "(?i)([\"']?[a-z0-9_.-]*(?:token|password|passwd|secret|authorization|cookie|api[_-]?key|credential|"
                    + "signature|session[_-]?id)[a-z0-9_.-]*[\"']?\\s*[=:]\\s*)(\"[^\"]*\"|'[^']*'|[^\\s&;,}\\]]+)");

    /** The words {@link #TEXT_PAIR} needs; checked first. */
    private static final List<String> TEXT_WORDS = List.of("token", "passw", "secret", "authorization", "cookie",
            "api", "credential", "signature", "session");

    private Masker() {
    }

    /** Whether values under {@code key} are masked. */
    static boolean isSensitiveKey(String key) {
        StringBuilder b = new StringBuilder(key.length());
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c != '-' && c != '_' && c != '.' && c != ' ') {
                b.append(Character.toLowerCase(c));
            }
        }
        String k = b.toString();
        if (SENSITIVE_KEYS.contains(k)) {
            return true;
        }
        for (String part : SENSITIVE_PARTS) {
            if (k.contains(part)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a string value is masked wherever it appears. Each pattern runs only when a cheap
     * test finds what it needs (an {@code @}, {@code eyJ}, a credential word, 13 digits): the
     * aggregator runs this on every string of every captured message.
     */
    static boolean isSensitiveValue(String value) {
        return (value.indexOf('@') >= 0 && EMAIL.matcher(value).find())
                || (value.contains("eyJ") && JWT.matcher(value).find())
                || (hasCredentialWord(value) && CREDENTIAL.matcher(value).find())
                || (digits(value) >= 13 && hasCardNumber(value));
    }

    private static boolean hasCredentialWord(String s) {
        String l = s.toLowerCase(Locale.ROOT);
        return l.contains("bearer") || l.contains("basic") || l.contains("digest");
    }

    private static int digits(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                n++;
            }
        }
        return n;
    }

    /** Whether the text holds a word a sensitive pair would start with (the pair pattern is costly). */
    private static boolean hasSensitiveWord(String text) {
        String l = text.toLowerCase(Locale.ROOT);
        for (String w : TEXT_WORDS) {
            if (l.contains(w)) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code node} with every sensitive value replaced by {@value #MASK}; objects and arrays are
     * changed in place, a sensitive top-level string is returned replaced.
     */
    static JsonNode mask(JsonNode node) {
        if (node instanceof ObjectNode object) {
            for (Map.Entry<String, JsonNode> e : object.properties()) {
                if (isSensitiveKey(e.getKey())) {
                    e.setValue(TextNode.valueOf(MASK));
                } else {
                    e.setValue(mask(e.getValue()));
                }
            }
            return object;
        }
        if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                array.set(i, mask(array.get(i)));
            }
            return array;
        }
        if (node.isTextual() && isSensitiveValue(node.asText())) {
            return TextNode.valueOf(MASK);
        }
        return node;
    }

    /**
     * Free text (a non-JSON message) with secrets replaced: sensitive pairs, e-mails, JWTs,
     * credentials, card numbers; each pattern behind the same cheap tests as {@link #isSensitiveValue}.
     */
    static String maskText(String text) {
        String s = text;
        if (hasSensitiveWord(s)) {
            s = TEXT_PAIR.matcher(s).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(m.group(1) + MASK));
        }
        if (s.indexOf('@') >= 0) {
            s = EMAIL.matcher(s).replaceAll(MASK);
        }
        if (s.contains("eyJ")) {
            s = JWT.matcher(s).replaceAll(MASK);
        }
        if (hasCredentialWord(s)) {
            s = CREDENTIAL.matcher(s).replaceAll(MASK);
        }
        if (digits(s) >= 13) {
            s = CARD.matcher(s).replaceAll(m -> luhn(m.group()) ? MASK : java.util.regex.Matcher.quoteReplacement(m.group()));
        }
        return s;
    }

    private static boolean hasCardNumber(String value) {
        var m = CARD.matcher(value);
        while (m.find()) {
            if (luhn(m.group())) {
                return true;
            }
        }
        return false;
    }

    /** The Luhn check (ISO/IEC 7812) of the digits in {@code s}. */
    private static boolean luhn(String s) {
        int sum = 0;
        boolean twice = false;
        for (int i = s.length() - 1; i >= 0; i--) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                continue;
            }
            int d = c - '0';
            if (twice) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            twice = !twice;
        }
        return sum % 10 == 0;
    }
}
