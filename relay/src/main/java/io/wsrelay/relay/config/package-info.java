/**
 * The relay's configuration: the immutable {@link io.wsrelay.relay.config.RelayConfig} records, the
 * relay's defaults table ({@code wsrelay-reference.conf}; the storage modules bring their own),
 * {@link io.wsrelay.relay.config.ConfigLoader}, which reads flags, environment and file strictly
 * against the known keys, and {@link io.wsrelay.relay.config.ConfigValues}, the typed reads every
 * module's settings go through.
 */
package io.wsrelay.relay.config;
