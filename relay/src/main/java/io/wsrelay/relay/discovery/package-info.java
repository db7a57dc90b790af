/**
 * API discovery: learns each endpoint's WebSocket API from the relayed traffic (opt-in per
 * endpoint, masked, bounded) and hands it over as a JSON summary, AsyncAPI 3.0 and HAR 1.2
 * ({@code docs/discovery.md}). Depends on the relay core through {@link io.wsrelay.relay.SessionTap} only.
 */
package io.wsrelay.relay.discovery;
