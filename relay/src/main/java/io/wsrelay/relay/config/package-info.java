/**
 * The relay's configuration: the immutable {@link io.wsrelay.relay.config.RelayConfig} records, the
 * defaults table ({@code wsrelay-reference.conf}, the one list of known keys) and
 * {@link io.wsrelay.relay.config.ConfigLoader}, which reads flags, environment and file strictly.
 */
package io.wsrelay.relay.config;
