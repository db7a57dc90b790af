/**
 * Measures wsrelay from the outside: a WebSocket load generator, the summary that turns repeated
 * side-by-side runs into medians and ratios and, later, the JMH benchmarks of the relay core.
 */
package io.wsrelay.benchmarks;
