package io.wsrelay.relay;

import java.io.Serial;

/**
 * The client's connection closed while the relay was still opening its upstream: nobody is left
 * to answer, so the upgrade ends without a response. Not an upstream failure.
 */
final class ClientGoneException extends RelayException {
    @Serial
    private static final long serialVersionUID = 1L;

    ClientGoneException() {
        super("the client left during the upstream connect", null);
    }
}
