package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wsrelay.relay.SessionTap;
import io.wsrelay.relay.spi.Endpoint;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns events into what is learnt: per endpoint a delta {@link EndpointAggregate} (what this node
 * learnt since its last flush), plus, for the open sessions it tracks, the request ids awaiting
 * an answer and the messages kept for the HAR export. Used by the aggregator thread only, under
 * {@link Discovery}'s lock.
 */
final class Aggregator {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Request ids one session remembers while waiting for their answers. */
    private static final int PENDING_IDS = 64;
    /** Longest request id remembered, in characters; a longer one is not correlated. */
    static final int MAX_ID = 128;

    private final DiscoveryLimits limits;
    private final String node;
    final Map<String, EndpointAggregate> deltas = new LinkedHashMap<>();
    /** Kinds held over all deltas (bounded by maxKindsPerNode). */
    int kinds;
    /** Events of endpoints past maxEndpoints, not recorded. */
    long endpointsDropped;
    private final LinkedHashMap<Long, Tracked> tracked;

    /** An open session's correlation state and HAR messages. */
    private static final class Tracked {
        final LinkedHashMap<String, Pending> pending = new LinkedHashMap<>(16, 0.75f, false);
        final List<SessionEntry.Message> messages = new ArrayList<>();
        long leftOut;
    }

    private record Pending(String kind, boolean toUpstream) {
    }

    Aggregator(DiscoveryLimits limits, String node) {
        this.limits = limits;
        this.node = node;
        int max = limits.maxTrackedSessions();
        this.tracked = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Tracked> eldest) {
                return size() > max;
            }
        };
    }

    private EndpointAggregate delta(Endpoint endpoint) {
        EndpointAggregate a = deltas.get(endpoint.id());
        if (a == null) {
            if (deltas.size() >= limits.maxEndpoints()) {
                endpointsDropped++;
                return null;
            }
            a = EndpointAggregate.of(endpoint.id());
            deltas.put(endpoint.id(), a);
        }
        return a;
    }

    void apply(Event event) {
        switch (event) {
            case Event.Sample s -> sample(s);
            case Event.Ended e -> ended(e);
            case Event.Refused r -> refused(r);
        }
    }

    /** Counts samples the pumps could not hand over (the hand-off was full). */
    void dropped(Endpoint endpoint, long samples, long sessions) {
        EndpointAggregate a = delta(endpoint);
        if (a != null) {
            a.samplesDropped += samples;
            a.sessionsDropped += sessions;
        }
    }

    private void sample(Event.Sample s) {
        SessionTap.Opening o = s.session().opening;
        EndpointAggregate a = delta(o.endpoint());
        if (a == null) {
            return;
        }
        a.seen(s.at());
        PathAggregate p = a.path(s.session().masked().path(), limits);
        if (p == null) {
            return;
        }
        DirectionAggregate d = p.direction(s.toUpstream());
        d.sampled++;
        Tracked t = tracked.computeIfAbsent(o.sessionId(), id -> new Tracked());
        String harData;
        int opcode;
        boolean shownWhole = true;
        if (s.text() == null) {
            String guess = ContentGuess.of(s.head());
            d.binary++;
            Counts.add(d.binaryGuesses, guess, 1);
            // Only the first bytes (a magic number), masked as text when they are text: the rest may be a credential.
            byte[] first = Masker.binaryPreview(s.head(), guess);
            if (d.binarySamples.size() < limits.samplesPerKind()) {
                d.binarySamples.add(new DirectionAggregate.BinarySample(s.size(), HexFormat.of().formatHex(first), guess));
            }
            opcode = 2;
            harData = Base64.getEncoder().encodeToString(first);
            shownWhole = s.size() <= first.length && first.length == s.head().length;
        } else {
            opcode = 1;
            harData = text(s, a, p, d, t);
        }
        if (t.messages.size() < limits.messagesPerSession()) {
            boolean cut = s.truncated() || !shownWhole || harData.length() > limits.harMessageBytes();
            t.messages.add(new SessionEntry.Message(s.toUpstream() ? "send" : "receive", s.at(), opcode,
                    cut ? Text.cut(harData, limits.harMessageBytes()) : harData,
                    s.size(), cut));
        } else {
            t.leftOut++;
        }
    }

    /** Infers from one text sample; returns its masked text for the HAR export. */
    private String text(Event.Sample s, EndpointAggregate a, PathAggregate p, DirectionAggregate d, Tracked t) {
        String raw = s.text();
        JsonNode node = null;
        if (!s.truncated() && looksLikeJson(raw)) {
            try {
                node = SummaryJson.SAMPLES.readTree(raw);
            } catch (JacksonException e) {
                node = null;
            }
        }
        if (node == null) {
            String masked = Masker.maskText(raw);
            if (s.truncated() && looksLikeJson(raw)) {
                d.truncatedText++;
            } else {
                d.nonJsonText++;
                if (d.textSamples.size() < limits.samplesPerKind()) {
                    d.textSamples.add(Text.cut(masked, limits.harMessageBytes()));
                }
            }
            return masked;
        }
        JsonNode masked = Masker.mask(node);
        Classifier.Kind kind = Classifier.classify(masked, s.session().masked().chosen());
        String name = kind.name();
        String id = kind.id() == null || kind.id().length() > MAX_ID ? null : kind.id();
        Pending asked = id == null ? null : t.pending.get(id);
        if (kind.response() && asked != null) {
            name = asked.kind() + "." + kind.name();
        }
        KindAggregate k = d.kinds.get(name);
        if (k == null) {
            if (d.kinds.size() >= limits.maxKinds() || kinds >= limits.maxKindsPerNode()) {
                d.kindsDropped++;
                return masked.toString();
            }
            k = KindAggregate.of(kind);
            k.name = name;
            d.kinds.put(name, k);
            kinds++;
        }
        k.seen(s.at());
        int[] budget = Shape.budget(k.schema, limits);
        k.schema.observe(masked, 0, limits, budget);
        String json = masked.toString();
        k.example(json, limits);
        if (id != null) {
            if (asked != null && asked.toUpstream() != s.toUpstream()) {
                KindAggregate request = p.direction(asked.toUpstream()).kinds.get(asked.kind());
                if (request != null) {
                    Counts.add(request.replies, name, 1);
                }
            } else if (asked == null) {
                if (t.pending.size() >= PENDING_IDS) {
                    t.pending.pollFirstEntry();
                }
                t.pending.put(id, new Pending(name, s.toUpstream()));
            }
        }
        return json;
    }

    /**
     * Whether {@code s} may be a JSON object or array (what has kinds); other text is not handed
     * to the parser, whose failures cost an exception each.
     */
    private static boolean looksLikeJson(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isWhitespace(c)) {
                return c == '{' || c == '[';
            }
        }
        return false;
    }

    private void ended(Event.Ended e) {
        CaptureTap tap = e.session();
        SessionTap.Opening o = tap.opening;
        Tracked t = tracked.remove(o.sessionId());
        EndpointAggregate a = delta(o.endpoint());
        if (a == null) {
            return;
        }
        a.sessions++;
        a.seen(tap.started);
        a.samplesSkipped += tap.up.skipped + tap.down.skipped;
        a.samplesDropped += tap.up.dropped + tap.down.dropped;
        MaskedOpening m = tap.masked();
        PathAggregate p = a.path(m.path(), limits);
        String chosen = m.chosen();
        if (p == null) {
            a.pathsDropped++;
        } else {
            p.sessions++;
            m.queryNames().forEach(n -> Counts.add(p.queryParameters, n, 1));
            m.offered().forEach(n -> Counts.add(p.offeredSubprotocols, n, 1));
            Counts.add(p.chosenSubprotocols, chosen == null || chosen.isEmpty() ? "(none)" : chosen, 1);
            Counts.add(p.closeCodesToClient, String.valueOf(e.codeToClient()), 1);
            Counts.add(p.closeCodesToUpstream, String.valueOf(e.codeToUpstream()), 1);
            Counts.add(p.closedBy, e.closedBy(), 1);
            p.durations().recordValue(Math.max(0, e.durationMs()));
            add(p.up, tap.up);
            add(p.down, tap.down);
        }
        SessionEntry entry = entry(o, m, tap.started);
        entry.durationMs = e.durationMs();
        entry.codeToClient = e.codeToClient();
        entry.codeToUpstream = e.codeToUpstream();
        entry.closedBy = e.closedBy();
        entry.messagesUp = tap.up.messages;
        entry.messagesDown = tap.down.messages;
        entry.bytesUp = tap.up.bytes;
        entry.bytesDown = tap.down.bytes;
        if (t != null) {
            entry.messages.addAll(t.messages);
        }
        entry.messagesLeftOut = entry.messagesUp + entry.messagesDown - entry.messages.size();
        a.addRecent(entry, limits);
    }

    private static void add(DirectionAggregate d, DirectionTap tap) {
        d.messages += tap.messages;
        d.bytes += tap.bytes;
        d.textMessages += tap.textMessages;
        d.binaryMessages += tap.binaryMessages;
        if (tap.sizes != null) {
            d.sizes().add(tap.sizes);
        }
    }

    private void refused(Event.Refused r) {
        SessionTap.Opening o = r.opening();
        EndpointAggregate a = delta(o.endpoint());
        if (a == null) {
            return;
        }
        a.seen(r.at());
        Counts.add(a.refused, o.status() + " " + o.error(), 1);
        a.addRecent(entry(o, MaskedOpening.of(o), r.at()), limits);
    }

    /** The HAR entry of an opening, with its names as recorded ({@code m}). */
    private SessionEntry entry(SessionTap.Opening o, MaskedOpening m, long started) {
        SessionEntry entry = new SessionEntry();
        entry.sessionId = o.sessionId();
        entry.node = node;
        entry.started = started;
        entry.path = m.path();
        entry.queryNames = new ArrayList<>(m.queryNames());
        entry.offered = new ArrayList<>(m.offered());
        entry.chosen = m.chosen();
        entry.status = o.status();
        entry.error = o.error();
        return entry;
    }

    /** Forgets the delta of {@code endpointId} (flushed or cleared). */
    void forget(String endpointId) {
        EndpointAggregate a = deltas.remove(endpointId);
        if (a != null) {
            kinds -= a.kindCount();
        }
    }
}
