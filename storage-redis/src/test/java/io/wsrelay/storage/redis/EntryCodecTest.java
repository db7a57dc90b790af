package io.wsrelay.storage.redis;

import io.wsrelay.relay.spi.StoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Optional;

import static io.wsrelay.storage.sql.TestEndpoints.bare;
import static io.wsrelay.storage.sql.TestEndpoints.full;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EntryCodecTest {

    @Test
    void foundEndpointRoundTripsWithEveryField() {
        assertEquals(Optional.of(full("e1")), EntryCodec.decode("e1", EntryCodec.encode(Optional.of(full("e1")))));
    }

    @Test
    void unknownIdRoundTripsAsEmpty() {
        assertEquals(Optional.empty(), EntryCodec.decode("e1", EntryCodec.encode(Optional.empty())));
    }

    @Test
    void entryOfAnotherIdIsRefused() {
        String other = EntryCodec.encode(Optional.of(bare("e2")));
        assertThrows(StoreException.class, () -> EntryCodec.decode("e1", other));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "garbage",
            "",
            "42",
            "{\"v\":2,\"endpoint\":null}",
            "{\"endpoint\":null}",
            "{\"v\":1}",
            "{\"v\":1,\"endpoint\":null,\"extra\":true}",
            "{\"v\":1,\"endpoint\":{\"id\":\"e1\"}}",
            "{\"v\":1,\"endpoint\":null} trailing",
            "[\"v\",1]"})
    void anythingElseIsRefused(String json) {
        assertThrows(StoreException.class, () -> EntryCodec.decode("e1", json));
    }

    @Test
    void badValueInAFieldIsRefused() {
        String json = EntryCodec.encode(Optional.of(full("e1"))).replace("INACTIVE", "PAUSED");
        assertThrows(StoreException.class, () -> EntryCodec.decode("e1", json));
    }

    @Test
    void refusalNeverQuotesTheEntryWhichMayHoldSecrets() {
        String json = EntryCodec.encode(Optional.of(full("e1"))).replace("\"secret\"", "secret");
        StoreException e = assertThrows(StoreException.class, () -> EntryCodec.decode("e1", json));
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains("secret"), t.getMessage());
        }
    }
}
