package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which keys and values {@link Masker} treats as secret. */
class MaskerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"token", "access_token", "refreshToken", "password", "Passwd", "client_secret",
            "Authorization", "cookie", "Set-Cookie", "apiKey", "api_key", "X-Api-Key", "key", "pin", "sessionId",
            "credentials", "privateKey", "jwt", "otp", "cvv"})
    void sensitiveKeysAreMaskedWhateverTheirSpelling(String key) throws Exception {
        String masked = Masker.mask(JSON.readTree("{\"outer\":{\"" + key + "\":{\"deep\":\"v4lue\"}}}")).toString();
        assertEquals("{\"outer\":{\"" + key + "\":\"***\"}}", masked);
    }

    @ParameterizedTest
    @ValueSource(strings = {"type", "id", "name", "room", "monkey", "keyboard", "tokenizerMode"})
    void ordinaryKeysAreKept(String key) throws Exception {
        boolean sensitive = Masker.isSensitiveKey(key);
        // "monkey" and "keyboard" contain "key" but are not equal to it; "tokenizerMode" contains "token".
        assertEquals(key.equals("tokenizerMode"), sensitive, key);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mail me at ann@example.org", "Bearer abcdef123456", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
            "4111-1111-1111-1111"})
    void secretLookingValuesAreMaskedUnderAnyKey(String value) throws Exception {
        assertTrue(Masker.isSensitiveValue(value), value);
        assertFalse(Masker.maskText("x " + value + " y").contains(value.substring(value.length() - 6)), value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello world", "2026-12-01T10:00:00Z", "1234 5678", "order 4111-1111-1111-1112"})
    void ordinaryValuesAreKept(String value) {
        assertFalse(Masker.isSensitiveValue(value), value);
    }
}
