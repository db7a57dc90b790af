/**
 * The {@code wsrelay} command line, one class per command, and the composition root: the only
 * place that chooses a store module ({@link io.wsrelay.relay.cli.StoreModules}); also the demo's
 * echo server and client.
 */
package io.wsrelay.relay.cli;
