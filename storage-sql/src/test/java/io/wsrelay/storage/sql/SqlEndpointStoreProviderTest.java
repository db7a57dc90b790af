package io.wsrelay.storage.sql;

import io.wsrelay.relay.spi.EndpointStoreProvider;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SqlEndpointStoreProviderTest {

    @Test
    void serviceLoaderFindsExactlyOneProviderOfTypeSql() {
        List<String> types = ServiceLoader.load(EndpointStoreProvider.class).stream()
                .map(p -> p.get().type())
                .toList();
        assertEquals(List.of("sql"), types);
    }
}
