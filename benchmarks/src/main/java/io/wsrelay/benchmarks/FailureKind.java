package io.wsrelay.benchmarks;

/** What can go wrong in a load run; each kind is counted separately in the report. */
enum FailureKind {
    /** Opening the WebSocket failed: refused, handshake rejected, timed out. */
    CONNECT,
    /** A send's future completed exceptionally. */
    SEND,
    /** The listener's {@code onError}: the connection broke while reading. */
    RECEIVE,
    /** The peer closed (or the connection ended) before the generator asked for a close. */
    CLOSED_EARLY,
    /** An echo that does not match what was sent: type, length, sequence or header. */
    MISMATCH,
    /** A message still unanswered when the run ended and the drain time ran out. */
    UNANSWERED,
    /** Hold mode: an opened connection whose one check message was never echoed. */
    UNVERIFIED
}
