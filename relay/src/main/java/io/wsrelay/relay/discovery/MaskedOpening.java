package io.wsrelay.relay.discovery;

import io.wsrelay.relay.SessionTap;

import java.util.List;

/**
 * An opening handshake's names as discovery records them, each masked by {@link Masker}: the
 * path, the query parameter names, the offered subprotocols and the chosen one. Made once per
 * session (or refused handshake) by the aggregator. Immutable.
 *
 * @param path       the masked path
 * @param queryNames the masked query parameter names, in order
 * @param offered    the masked offered subprotocols, in order
 * @param chosen     the chosen subprotocol as masked among the offered ones (or by itself when it
 *                   was not offered); null or empty as the handshake had it
 */
record MaskedOpening(String path, List<String> queryNames, List<String> offered, String chosen) {

    static MaskedOpening of(SessionTap.Opening o) {
        List<String> offered = Masker.maskSubprotocols(o.offered());
        String chosen = o.chosen();
        if (chosen != null && !chosen.isEmpty()) {
            int i = o.offered().indexOf(chosen);
            chosen = i >= 0 ? offered.get(i) : Masker.maskSubprotocol(chosen);
        }
        return new MaskedOpening(Masker.maskPath(o.path()), List.copyOf(Masker.maskNames(QueryNames.of(o.rawQuery()))),
                List.copyOf(offered), chosen);
    }
}
