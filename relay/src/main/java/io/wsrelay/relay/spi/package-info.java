/**
 * The endpoint store SPI: how the relay finds where a WebSocket goes, and how store modules plug in.
 */
package io.wsrelay.relay.spi;
