/**
 * The security rules an upgrade passes before the relay connects anywhere: Origin allow-lists,
 * the destination guard against SSRF, which headers go upstream, per-endpoint TLS trust, and the
 * per-client and per-endpoint limits.
 */
package io.wsrelay.relay.policy;
