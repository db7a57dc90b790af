package io.wsrelay.benchmarks;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The result of a hold run, written as one JSON line (snake_case keys). Memory figures are in
 * KiB and {@code null} when no process was given or one was gone; {@code kib_per_conn} is the
 * growth of resident memory from after the base connections to the end of the hold, divided by
 * the measured connections opened.
 */
record HoldReport(
        String mode,
        String url,
        int base,
        int baseOpened,
        long baseVerified,
        int asked,
        int opened,
        long verified,
        long stillOpen,
        long openMs,
        double holdSecs,
        List<Long> pids,
        Long rssBeforeKib,
        Long rssAfterKib,
        Double kibPerConn,
        long errors,
        Map<String, Long> errorCounts,
        Map<String, String> errorSamples) {

    static HoldReport of(HoldRun.Settings s, int baseOpened, long baseVerified, int opened, long verified,
                         long stillOpen, long openMs, OptionalLong before, OptionalLong after, Failures failures) {
        Long b = before.isPresent() ? before.getAsLong() : null;
        Long a = after.isPresent() ? after.getAsLong() : null;
        Double perConn = b != null && a != null && opened > 0 ? EchoReport.round((a - b) / (double) opened, 1) : null;
        return new HoldReport("hold", s.uri().toString(), s.base(), baseOpened, baseVerified, s.conns(), opened, verified, stillOpen, openMs,
                s.hold().toMillis() / 1e3, s.pids(), b, a, perConn,
                failures.total(), failures.counts(), failures.samples());
    }

    Table table() {
        return new Table(mode + " " + url)
                .row("base", baseOpened + " of " + base + " opened first, " + baseVerified + " verified")
                .row("opened", opened + " of " + asked + " in " + openMs + " ms")
                .row("verified", verified + " echoed their check message")
                .row("still open", stillOpen + " after " + holdSecs + " s idle")
                .row("pids", pids.isEmpty() ? "none given" : pids.toString())
                .row("RSS before", Table.number(rssBeforeKib) + " KiB")
                .row("RSS after", Table.number(rssAfterKib) + " KiB")
                .row("per conn", Table.number(kibPerConn) + " KiB")
                .row("errors", errors == 0 ? "0" : errors + " " + errorCounts);
    }
}
