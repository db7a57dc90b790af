package io.wsrelay.storage.redis;

import io.wsrelay.relay.spi.EndpointStoreProvider;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RedisEndpointStoreProviderTest {

    @Test
    void serviceLoaderFindsOneProviderOfTypeRedisBesideTheSqlOne() {
        List<String> types = ServiceLoader.load(EndpointStoreProvider.class).stream()
                .map(p -> p.get().type())
                .sorted()
                .toList();
        assertEquals(List.of("redis", "sql"), types);
    }
}
