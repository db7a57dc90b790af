package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks what looks secret in a captured message before anything of it is kept: the value under
 * a sensitive-looking key (at any depth, whatever its type, in JSON and in free text alike) and,
 * anywhere, values shaped like an e-mail address, a JWT, an {@code Authorization} credential or a
 * payment card number. A masked value becomes the string {@value #MASK}. Stateless and thread-safe.
 *
 * <p>The key rule ({@link #isSensitiveKey}) compares the key NFKC-normalised, with Greek and
 * Cyrillic look-alikes and small capitals read as the Latin letters they resemble, in lower case
 * and without {@code -}, {@code _}, {@code .}, whitespace and control characters, so
 * {@code api_key}, {@code apiKey}, {@code X-Api-Key} and {@code ΡASSWORD} (a Greek Rho) all match; the
 * same rule serves JSON objects, JSON-looking text the parser refused or that was cut (quoted keys
 * read with their JSON escapes decoded), {@code key=value} text (bare keys percent-decoded) and
 * {@code key: value} text.
 */
final class Masker {
    /** What a masked value is replaced with. */
    static final String MASK = "***";
    /** Bytes of a binary message kept (enough for a magic number, too few for a credential). */
    static final int BINARY_PREVIEW_BYTES = 8;

    /** A key containing one of these (normalised) is sensitive. */
    private static final List<String> SENSITIVE_PARTS = List.of("token", "password", "passwd", "passphrase",
            "passcode", "secret", "authorization", "cookie", "apikey", "credential", "signature", "privatekey",
            "accesskey", "sessionid", "sessionkey", "authkey", "authcode", "jwt", "bearer", "creditcard", "cardnumber");
    /** A key equal to one of these (normalised) is sensitive. */
    private static final List<String> SENSITIVE_KEYS = List.of("auth", "pwd", "pass", "key", "sig", "pin", "sid",
            "nonce");
    /**
     * A key with one of these as a word ({@code x-auth}, {@code auth_code}, {@code userSSN},
     * {@code otpCode}) is sensitive; as words only, so {@code author}, {@code className} and
     * {@code footprint} are not.
     */
    private static final List<String> SENSITIVE_WORDS = List.of("auth", "otp", "totp", "hotp", "cvv", "cvc", "ssn",
            "pin", "pwd", "nonce");
    /**
     * A local part, {@code @} and a host name (with or without a domain: {@code ann@localhost}) or
     * an address literal ({@code ann@[127.0.0.1]}, {@code ann@[IPv6:::1]}). The local part starts
     * where its run of characters starts and is taken whole (possessive): linear time, even for a
     * long run without an {@code @}.
     */
    private static final Pattern EMAIL = Pattern.compile("(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]++@"
            + "(?:\\[[A-Za-z0-9:.]++]|[A-Za-z][A-Za-z0-9-]*+(?:\\.[A-Za-z0-9-]++)*+)");
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*");
    private static final Pattern CREDENTIAL = Pattern.compile("(?i)(bearer|basic|digest)\\s+[A-Za-z0-9._~+/=-]{6,}");
    private static final Pattern CARD = Pattern.compile("\\b(?:\\d[ -]?){12,18}\\d\\b");
    /** A number with an exponent ({@code 4.111111111111111e15}); taken whole from where its digits start. */
    private static final Pattern EXPONENT_NUMBER = Pattern.compile(
            "(?<![0-9.])[0-9]++(?:\\.[0-9]++)?+[eE][+-]?+[0-9]{1,3}+(?![0-9])");
    /** Greek and Cyrillic letters and Latin small capitals, each followed by the Latin letter it resembles. */
    private static final String LOOKALIKES = "\u0391a\u0392b\u0395e\u0396z\u0397h\u0399i\u039Ak\u039Cm\u039Dn"
            + "\u039Fo\u03A1p\u03A4t\u03A5y\u03A7x\u03B1a\u03B9i\u03BAk\u03BDv\u03BFo\u03C1p\u03C4t\u03C5u"
            + "\u03C7x\u0405s\u0406i\u0408j\u0410a\u0412b\u0415e\u041Ak\u041Cm\u041Dh\u041Eo\u0420p\u0421c"
            + "\u0422t\u0423y\u0425x\u0430a\u0435e\u043Ak\u043Eo\u0440p\u0441c\u0443y\u0445x\u0455s\u0456i"
            + "\u0458j\u0501d\u051Bq\u051Dw\u1D00a\u0299b\u1D04c\u1D05d\u1D07e\u0262g\u029Ch\u026Ai\u1D0Aj"
            + "\u1D0Bk\u029Fl\u1D0Dm\u0274n\u1D0Fo\u1D18p\u0280r\uA731s\u1D1Bt\u1D1Cu\u1D20v\u1D21w\u028Fy"
            + "\u1D22z";
    private static final Map<Character, Character> LATIN = new HashMap<>();

    static {
        for (int i = 0; i < LOOKALIKES.length(); i += 2) {
            LATIN.put(LOOKALIKES.charAt(i), LOOKALIKES.charAt(i + 1));
        }
    }

    /** Rounds of JSON unescaping a quoted key in text gets (JSON inside JSON inside JSON). */
    private static final int UNESCAPE_ROUNDS = 3;
    /** Longest key the text masker looks back for. */
    private static final int MAX_KEY = 128;
    /** Shortest opaque token in a path, query name or subprotocol. */
    private static final int MIN_TOKEN = 20;
    /** Kubernetes' bearer-token subprotocol; what follows it is the token. */
    private static final String K8S_BEARER = "base64url.bearer.authorization.k8s.io.";

    private Masker() {
    }

    /** Whether values under {@code key} are masked. */
    static boolean isSensitiveKey(String rawKey) {
        String key = folded(rawKey);
        StringBuilder b = new StringBuilder(key.length());
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c != '-' && c != '_' && c != '.' && !Character.isWhitespace(c) && !Character.isISOControl(c)) {
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
        for (String word : SENSITIVE_WORDS) {
            if (k.contains(word)) {
                // Split into words only when one may be there: this runs on every key of every message.
                return words(key).stream().anyMatch(SENSITIVE_WORDS::contains);
            }
        }
        return false;
    }

    /** {@code key} NFKC-normalised with look-alike letters read as Latin ones; unchanged when all ASCII. */
    private static String folded(String key) {
        int i = 0;
        while (i < key.length() && key.charAt(i) < 0x80) {
            i++;
        }
        if (i == key.length()) {
            return key;
        }
        String n = Normalizer.normalize(key, Normalizer.Form.NFKC);
        StringBuilder b = new StringBuilder(n.length());
        for (int j = 0; j < n.length(); j++) {
            char c = n.charAt(j);
            b.append(LATIN.getOrDefault(c, c));
        }
        return b.toString();
    }

    /**
     * The words of a key in lower case: split at anything but letters and digits, between a lower
     * case letter and an upper case one, before the last capital of a run of capitals followed by
     * a lower case letter ({@code userSSN} is user, ssn; {@code OTPCode} is otp, code) and between
     * letters and digits.
     */
    private static List<String> words(String key) {
        List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= key.length(); i++) {
            char c = i < key.length() ? key.charAt(i) : ' ';
            boolean word = Character.isLetterOrDigit(c);
            if (start >= 0) {
                char p = key.charAt(i - 1);
                boolean split = !word
                        || (Character.isLowerCase(p) && Character.isUpperCase(c))
                        || (Character.isUpperCase(p) && Character.isUpperCase(c) && i + 1 < key.length()
                        && Character.isLowerCase(key.charAt(i + 1)))
                        || (Character.isDigit(p) != Character.isDigit(c));
                if (split) {
                    words.add(key.substring(start, i).toLowerCase(Locale.ROOT));
                    start = word ? i : -1;
                }
            } else if (word) {
                start = i;
            }
        }
        return words;
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

    /**
     * Whether a JSON number is a payment card number: its value an integer of 13 to 19 digits
     * passing the Luhn check, whatever its notation ({@code 4111111111111111},
     * {@code 4111111111111111.0}, {@code 4.111111111111111e15}). One starting with {@code 1} is
     * taken for an epoch time in milliseconds, microseconds or nanoseconds and kept.
     */
    static boolean isCardNumber(JsonNode number) {
        if (number.isIntegralNumber()) {
            return isCardDigits(number.asText());
        }
        return number.isNumber() && isCardNumber(number.decimalValue());
    }

    /** Whether a decimal's value is an integer that {@link #isCardDigits} (a card number in any notation). */
    private static boolean isCardNumber(BigDecimal v) {
        long integerDigits = (long) v.precision() - v.scale();
        if (v.signum() <= 0 || integerDigits < 13 || integerDigits > 19) {
            return false; // checked before any conversion: 1e999999 stays cheap
        }
        try {
            return isCardDigits(v.toBigIntegerExact().toString());
        } catch (ArithmeticException e) {
            return false;
        }
    }

    /** Whether an integer's digits are 13 to 19 passing the Luhn check, not starting with 1 (an epoch time). */
    private static boolean isCardDigits(String d) {
        return d.length() >= 13 && d.length() <= 19 && d.charAt(0) >= '2' && d.charAt(0) <= '9' && luhn(d);
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

    /**
     * {@code node} with every sensitive value replaced by {@value #MASK}; objects and arrays are
     * changed in place, a sensitive top-level value is returned replaced. An object key that is
     * itself an e-mail address, a JWT, a credential or a card number becomes {@value #MASK} (the
     * first such key keeps its place, later ones are dropped); a string that holds sensitive
     * pairs (JSON inside a string, {@code a=1&token=x}) is masked as text.
     */
    static JsonNode mask(JsonNode node) {
        if (node instanceof ObjectNode object) {
            maskKeys(object);
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
        if (node.isTextual()) {
            String text = node.asText();
            if (isSensitiveValue(text)) {
                return TextNode.valueOf(MASK);
            }
            String masked = maskPairs(text);
            return masked.equals(text) ? node : TextNode.valueOf(masked);
        }
        if (isCardNumber(node)) {
            return TextNode.valueOf(MASK);
        }
        return node;
    }

    private static void maskKeys(ObjectNode object) {
        boolean any = false;
        for (Map.Entry<String, JsonNode> e : object.properties()) {
            if (isSensitiveValue(e.getKey())) {
                any = true;
                break;
            }
        }
        if (!any) {
            return;
        }
        LinkedHashMap<String, JsonNode> renamed = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : object.properties()) {
            renamed.putIfAbsent(isSensitiveValue(e.getKey()) ? MASK : e.getKey(), e.getValue());
        }
        object.removeAll();
        object.setAll(renamed);
    }

    /**
     * Free text (a non-JSON message, or JSON the parser refused or that was cut) with secrets
     * replaced: the values of sensitive pairs (see {@link #maskPairs}), then e-mails, JWTs,
     * credentials and card numbers (also written with an exponent, as {@link #isCardNumber(JsonNode)}),
     * each pattern behind the same cheap tests as {@link #isSensitiveValue}.
     */
    static String maskText(String text) {
        String s = text;
        if (hasCredentialWord(s)) {
            s = CREDENTIAL.matcher(s).replaceAll(MASK);
        }
        s = maskPairs(s);
        if (s.indexOf('@') >= 0) {
            s = EMAIL.matcher(s).replaceAll(MASK);
        }
        if (s.contains("eyJ")) {
            s = JWT.matcher(s).replaceAll(MASK);
        }
        if (digits(s) >= 13) {
            s = CARD.matcher(s).replaceAll(m -> luhn(m.group()) ? MASK : Matcher.quoteReplacement(m.group()));
            if (s.indexOf('e') >= 0 || s.indexOf('E') >= 0) {
                s = EXPONENT_NUMBER.matcher(s).replaceAll(m -> isCardNumber(new BigDecimal(m.group())) ? MASK
                        : Matcher.quoteReplacement(m.group()));
            }
        }
        return s;
    }

    /**
     * {@code text} with the value of every pair whose key {@link #isSensitiveKey} replaced by
     * {@value #MASK}. A pair is a key, {@code :}, {@code =} or {@code =>} and a value (whitespace
     * around the separator allowed, line breaks only after a quoted key). The key is quoted
     * ({@code "key"}, {@code 'key'}, or escaped as in JSON inside a JSON string:
     * {@code \"key\"}) or bare ({@code key=}, {@code key: }). The value is a quoted string (to its
     * closing quote, escapes included, or to the end of the text), an object or array (to its
     * matching bracket, or to the end), a bare word (to whitespace or one of {@code & ; , } ] )}),
     * or, after a bare key opening a line followed by {@code :} (a header), the rest of the line.
     * Runs in time linear in the text's length.
     */
    static String maskPairs(String text) {
        if (text.indexOf(':') < 0 && text.indexOf('=') < 0) {
            return text;
        }
        StringBuilder out = null;
        int copied = 0;
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c != ':' && c != '=') {
                i++;
                continue;
            }
            Key key = keyBefore(text, i, copied);
            if (key == null || !isSensitive(key)) {
                i++;
                continue;
            }
            int start = i + 1;
            if (c == '=' && start < n && text.charAt(start) == '>') {
                start++; // "key" => "value"
            }
            while (start < n && (text.charAt(start) == ' ' || text.charAt(start) == '\t'
                    || (key.quote != 0 && (text.charAt(start) == '\n' || text.charAt(start) == '\r')))) {
                start++;
            }
            boolean header = c == ':' && key.quote == 0 && (key.start == 0 || text.charAt(key.start - 1) == '\n');
            int end = valueEnd(text, start, header, key.backslashes);
            if (end == start && !header) {
                i++;
                continue;
            }
            if (out == null) {
                out = new StringBuilder(n);
            }
            out.append(text, copied, start).append(replacement(key));
            copied = end;
            i = Math.max(end, i + 1);
        }
        if (out == null) {
            return text;
        }
        return out.append(text, copied, n).toString();
    }

    /**
     * A key found before a separator: its name as written, where it starts, its quote (0 if bare)
     * and escaping backslashes; for a bare key, also the name with {@code %} and {@code +} taken
     * in ({@code p%61ssword}).
     */
    private record Key(String name, int start, char quote, int backslashes, String encoded) {
    }

    /**
     * Whether a key found in text is sensitive: a quoted key as written or after each round of
     * JSON unescaping (JSON inside a JSON string escapes its escapes: <code>&#92;&#92;u0070</code>); a bare
     * key as written or percent-decoded ({@code +} as a space).
     */
    private static boolean isSensitive(Key key) {
        if (isSensitiveKey(key.name)) {
            return true;
        }
        if (key.quote != 0) {
            String name = key.name;
            for (int round = 0; round < UNESCAPE_ROUNDS && name.indexOf('\\') >= 0; round++) {
                String next = unescaped(name);
                if (next.equals(name)) {
                    break;
                }
                name = next;
                if (isSensitiveKey(name)) {
                    return true;
                }
            }
            return false;
        }
        return key.encoded != null && isSensitiveKey(percentDecodedLeniently(key.encoded));
    }

    /**
     * {@code s} with its JSON escapes decoded (<code>&#92;uXXXX</code>, {@code \"}, {@code \'},
     * {@code \\}, {@code \/}, {@code \b \f \n \r \t}); a malformed escape is kept as written.
     * Surrogate pairs written as two escapes decode to the pair.
     */
    private static String unescaped(String s) {
        StringBuilder b = new StringBuilder(s.length());
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= n) {
                b.append(c);
                continue;
            }
            char e = s.charAt(i + 1);
            if (e == 'u') {
                if (i + 5 < n && isHex(s, i + 2, 4)) {
                    b.append((char) Integer.parseInt(s, i + 2, i + 6, 16));
                    i += 5;
                } else {
                    b.append(c);
                }
                continue;
            }
            int at = "\"'\\/bfnrt".indexOf(e);
            if (at < 0) {
                b.append(c);
            } else {
                b.append("\"'\\/\b\f\n\r\t".charAt(at));
                i++;
            }
        }
        return b.toString();
    }

    private static boolean isHex(String s, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** {@code s} with {@code %XX} decoded as UTF-8 and {@code +} as a space; a malformed {@code %} is kept. */
    private static String percentDecodedLeniently(String s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < n && isHex(s, i + 1, 2)) {
                bytes.write(Integer.parseInt(s, i + 1, i + 3, 16));
                i += 2;
            } else if (c == '+') {
                bytes.write(' ');
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The key ending just before the separator at {@code sep}, not reaching back before {@code floor}; null if none. */
    private static Key keyBefore(String s, int sep, int floor) {
        int q = sep;
        while (q > floor && Character.isWhitespace(s.charAt(q - 1))) {
            q--;
        }
        if (q <= floor) {
            return null;
        }
        char last = s.charAt(q - 1);
        if (last == '"' || last == '\'') {
            int b = backslashesBefore(s, q - 1, floor);
            int close = q - 1 - b;
            for (int j = close - 1; j >= floor && close - j <= MAX_KEY; j--) {
                char c = s.charAt(j);
                if (c == last) {
                    // Opening: at level 0 a quote after an even number of backslashes, deeper after
                    // exactly as many as the closing one; any other count escapes a quote in the key.
                    int r = backslashesBefore(s, j, Math.max(floor, j - MAX_KEY));
                    if (b == 0 ? r % 2 == 0 : r == b) {
                        return new Key(s.substring(j + 1, close), j - b, last, b, null);
                    }
                    if (r == 0 || r >= MAX_KEY) {
                        return null;
                    }
                } else if (c == '\n' || c == ':' || c == '=' || c == ',' || c == '{' || c == '"' || c == '\'') {
                    return null;
                }
            }
            return null;
        }
        int j = q;
        while (j > floor && q - j < MAX_KEY && isBareKeyChar(s.charAt(j - 1))) {
            j--;
        }
        int e = j;
        while (e > floor && q - e < MAX_KEY && (isBareKeyChar(s.charAt(e - 1)) || s.charAt(e - 1) == '%'
                || s.charAt(e - 1) == '+')) {
            e--;
        }
        if (e == q) {
            return null;
        }
        String encoded = s.substring(e, q);
        boolean percent = encoded.indexOf('%') >= 0 || encoded.indexOf('+') >= 0;
        return new Key(j == q ? "" : s.substring(j, q), e, (char) 0, 0, percent ? encoded : null);
    }

    private static boolean isBareKeyChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.' || c == '$';
    }

    private static int backslashesBefore(String s, int at, int floor) {
        int b = 0;
        while (at - b - 1 >= floor && s.charAt(at - b - 1) == '\\') {
            b++;
        }
        return b;
    }

    /**
     * Where the value starting at {@code start} ends (exclusive); {@code level} is the number of
     * backslashes escaping the key's quotes (0 unless the pair is JSON inside a JSON string).
     */
    private static int valueEnd(String s, int start, boolean header, int level) {
        int n = s.length();
        if (start >= n) {
            return n;
        }
        if (header) {
            int eol = start;
            while (eol < n && s.charAt(eol) != '\n' && s.charAt(eol) != '\r') {
                eol++;
            }
            return eol;
        }
        int b = 0;
        while (start + b < n && s.charAt(start + b) == '\\') {
            b++;
        }
        char c = start + b < n ? s.charAt(start + b) : 0;
        if (c == '"' || c == '\'') {
            for (int j = start + b + 1; j < n; j++) {
                if (s.charAt(j) == c && closes(s, j, b, start)) {
                    return j + 1;
                }
            }
            return n;
        }
        if (b == 0 && (c == '{' || c == '[')) {
            int depth = 0;
            boolean inString = false;
            for (int j = start; j < n; j++) {
                char x = s.charAt(j);
                if (x == '"') {
                    if (closes(s, j, level, start)) {
                        inString = !inString;
                    }
                } else if (!inString && (x == '{' || x == '[')) {
                    depth++;
                } else if (!inString && (x == '}' || x == ']') && --depth == 0) {
                    return j + 1;
                }
            }
            return n;
        }
        int j = start;
        while (j < n) {
            char x = s.charAt(j);
            if (Character.isWhitespace(x) || x == '&' || x == ';' || x == ',' || x == '}' || x == ']' || x == ')'
                    || (level > 0 && x == '\\')) {
                break;
            }
            j++;
        }
        return j;
    }

    /**
     * Whether the quote at {@code at} closes a string opened with {@code level} backslashes: at
     * level 0 one preceded by an even number of backslashes (JSON), at a deeper level one preceded
     * by exactly as many as the opening quote.
     */
    private static boolean closes(String s, int at, int level, int floor) {
        int r = backslashesBefore(s, at, floor);
        return level == 0 ? r % 2 == 0 : r == level;
    }

    /** What replaces the value starting at {@code start}: {@value #MASK}, quoted as the key was. */
    private static String replacement(Key key) {
        if (key.quote == 0) {
            return MASK;
        }
        String q = "\\".repeat(key.backslashes) + key.quote;
        return q + MASK + q;
    }

    /**
     * At most the first {@value #BINARY_PREVIEW_BYTES} bytes of a binary message, as kept for the
     * summary and the HAR export. When the content guess is UTF-8 text, the captured bytes are
     * masked as text first and the preview is taken from the masked text.
     *
     * @param head  the captured first bytes of the message
     * @param guess {@link ContentGuess#of} of {@code head}
     */
    static byte[] binaryPreview(byte[] head, String guess) {
        byte[] shown = head;
        if (guess.equals("utf8-text") || guess.equals("json-text")) {
            shown = maskText(new String(head, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        }
        return Arrays.copyOf(shown, Math.min(BINARY_PREVIEW_BYTES, shown.length));
    }

    /**
     * A request path (raw, as the client sent it) with every segment that looks like a credential
     * ({@link #isCredentialLike}, after percent-decoding) replaced by {@value #MASK}, and sensitive
     * pairs inside a segment ({@code ;jsessionid=...}) masked; other segments ({@code rooms},
     * {@code v1}, {@code 42}) unchanged.
     */
    static String maskPath(String path) {
        if (path == null || path.isEmpty()) {
            return path;
        }
        String[] segments = path.split("/", -1);
        boolean changed = false;
        for (int i = 0; i < segments.length; i++) {
            String seg = segments[i];
            String masked = isCredentialLike(percentDecoded(seg)) ? MASK : maskPairs(seg);
            if (!masked.equals(seg)) {
                segments[i] = masked;
                changed = true;
            }
        }
        return changed ? String.join("/", segments) : path;
    }

    /** A query parameter name, or {@value #MASK} when it looks like a credential. */
    static String maskName(String name) {
        return isCredentialLike(name) ? MASK : name;
    }

    /** The query parameter names masked with {@link #maskName}, each once. */
    static List<String> maskNames(List<String> names) {
        List<String> out = new ArrayList<>(names.size());
        for (String n : names) {
            String m = maskName(n);
            if (!out.contains(m)) {
                out.add(m);
            }
        }
        return out;
    }

    /**
     * Offered subprotocols, each masked with {@link #maskSubprotocol}; a subprotocol following one
     * that is a sensitive key by itself ({@code ["Bearer", "<token>"]}) is {@value #MASK}.
     */
    static List<String> maskSubprotocols(List<String> offered) {
        List<String> out = new ArrayList<>(offered.size());
        boolean afterKey = false;
        for (String p : offered) {
            out.add(afterKey ? MASK : maskSubprotocol(p));
            afterKey = p.indexOf('.') < 0 && isSensitiveKey(p);
        }
        return out;
    }

    /**
     * A subprotocol with what looks like a credential replaced by {@value #MASK}: a JWT anywhere;
     * what follows Kubernetes' {@code base64url.bearer.authorization.k8s.io.}; what follows a
     * {@code .}-separated component that is a sensitive key ({@code access_token.<token>},
     * {@code bearer.<token>}); a component that {@link #isCredentialLike}. Ordinary names
     * ({@code graphql-transport-ws}, {@code mqtt}, {@code v12.stomp}, {@code wamp.2.json}) are
     * unchanged.
     */
    static String maskSubprotocol(String p) {
        if (p == null || p.isEmpty()) {
            return p;
        }
        if (p.length() > K8S_BEARER.length() && p.regionMatches(true, 0, K8S_BEARER, 0, K8S_BEARER.length())) {
            return p.substring(0, K8S_BEARER.length()) + MASK;
        }
        String s = p.contains("eyJ") ? JWT.matcher(p).replaceAll(MASK) : p;
        String[] parts = s.split("\\.", -1);
        for (int i = 0; i < parts.length; i++) {
            if (isSensitiveKey(parts[i]) && i + 1 < parts.length) {
                return String.join(".", Arrays.copyOf(parts, i + 1)) + "." + MASK;
            }
            if (isCredentialLike(parts[i])) {
                parts[i] = MASK;
            }
        }
        return String.join(".", parts);
    }

    /**
     * Whether a name (a path segment, query parameter name or subprotocol component) looks like
     * a credential: a JWT, an e-mail address, or an opaque token of at least {@value #MIN_TOKEN}
     * characters of {@code [A-Za-z0-9._~+/=-]} mixing letters and digits. Plain words, version
     * names and numbers are not.
     */
    static boolean isCredentialLike(String name) {
        if (name.contains("eyJ") && JWT.matcher(name).find()) {
            return true;
        }
        if (name.indexOf('@') >= 0 && EMAIL.matcher(name).find()) {
            return true;
        }
        if (name.length() < MIN_TOKEN) {
            return false;
        }
        boolean letter = false;
        boolean digit = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= '0' && c <= '9') {
                digit = true;
            } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
                letter = true;
            } else if ("._~+/=-".indexOf(c) < 0) {
                return false;
            }
        }
        return letter && digit;
    }

    private static String percentDecoded(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        try {
            return java.net.URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
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
