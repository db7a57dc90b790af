/**
 * The endpoint store SPI: how the relay finds where a WebSocket goes, and how store modules plug
 * in ({@link io.wsrelay.relay.spi.EndpointStoreProvider}: a module's type, the settings it
 * declares and checks, and how its store is opened, alone or behind a cache).
 */
package io.wsrelay.relay.spi;
