/**
 * The relay core: accepts WebSocket upgrades on {@code /ws-proxy/*}, opens the upstream
 * WebSocket, and pumps messages both ways with one blocking loop per direction.
 */
package io.wsrelay.relay;
