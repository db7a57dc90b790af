/**
 * What operators use: health and readiness probes, Prometheus metrics, the admin API for
 * endpoints, and the router that puts them on the relay's port or an admin port of their own.
 */
package io.wsrelay.relay.ops;
