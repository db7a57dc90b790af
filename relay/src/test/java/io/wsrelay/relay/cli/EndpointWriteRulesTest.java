package io.wsrelay.relay.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@code endpoint add} refuses, with exit status 2 and a message naming the field, what the relay
 * could never use: user information in the destination (never echoed), header values the JDK
 * client cannot send (never echoed), origins and hosts that can never match, ports out of range.
 */
class EndpointWriteRulesTest {

    private static RelayMainTest.Result add(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "endpoint";
        all[1] = "add";
        System.arraycopy(args, 0, all, 2, args.length);
        return RelayMainTest.wsrelay(all);
    }

    @Test
    void aDestinationWithUserInformationIsRefusedWithoutEchoingThePassword() {
        RelayMainTest.Result r = add("e1", "wss://user:UrlPwEp12@example.com/");
        assertAll(
                () -> assertEquals(2, r.status(), r.err()),
                () -> assertEquals("wsrelay: endpoint refused: destinationUrl must not carry user information "
                        + "(user:password@); the relay never sends it: send credentials as an upstream header\n", r.err()),
                () -> assertFalse(r.err().contains("UrlPwEp12") || r.out().contains("UrlPwEp12"), r.err() + r.out()));
    }

    @Test
    void aHeaderValueOutsideVisibleAsciiIsRefusedWithoutEchoingIt() {
        RelayMainTest.Result r = add("h", "ws://127.0.0.1:9/", "--header", "X-Key=w\u00f6rld");
        assertAll(
                () -> assertEquals(2, r.status(), r.err()),
                () -> assertEquals("wsrelay: endpoint refused: upstreamHeaders: header 'X-Key' has an invalid value (a "
                        + "control character such as a line break, leading or trailing whitespace, or a character outside "
                        + "visible ASCII, which the relay cannot send); the value is not shown\n", r.err()),
                () -> assertFalse(r.err().contains("rld"), r.err()));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "--upstream-origin|not an origin|upstreamOrigin 'not an origin' is not valid: an origin is scheme://host[:port]; "
                    + "use 'client', 'none' or an origin such as https://app.example.com",
            "--upstream-origin|https://a.example/x|upstreamOrigin 'https://a.example/x' is not valid: an origin is "
                    + "scheme://host[:port], without a path; use 'client', 'none' or an origin such as https://app.example.com",
            "--allowed-origin|app.example|allowedOrigins: 'app.example' is not valid: an origin is scheme://host[:port]",
            "--allowed-origin|https://app.example/x|allowedOrigins: 'https://app.example/x' is not valid: an origin is "
                    + "scheme://host[:port], without a path",
            "--allowed-host|http://x.example/|allowedHosts: 'http://x.example/' is not valid: a host is host[:port], "
                    + "without a scheme or path",
            "--allowed-host|x.example:99999|allowedHosts: 'x.example:99999' is not valid: the port must be 1 to 65535",
    })
    void anOriginOrHostThatCanNeverMatchIsRefusedNamingFieldAndValue(String option, String value, String message) {
        RelayMainTest.Result r = add("e1", "wss://example.com/", option, value);
        assertAll(
                () -> assertEquals(2, r.status(), r.err()),
                () -> assertEquals("wsrelay: endpoint refused: " + message + "\n", r.err()));
    }

    @Test
    void anUpstreamOriginWithALineBreakIsRefusedEscaped() {
        RelayMainTest.Result r = add("e1", "wss://example.com/", "--upstream-origin", "https://a.example\r\nX-Injected: 1");
        assertAll(
                () -> assertEquals(2, r.status(), r.err()),
                () -> assertEquals("wsrelay: endpoint refused: upstreamOrigin 'https://a.example\\u000d\\u000aX-Injected: 1' "
                        + "is not valid: an origin is scheme://host[:port]: a host is a host name or IP address with an "
                        + "optional :port (no scheme, no path); use 'client', 'none' or an origin such as "
                        + "https://app.example.com\n", r.err()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"ws://127.0.0.1:99999/|99999", "ws://127.0.0.1:0/|0"})
    void aDestinationPortOutOfRangeIsRefused(String url, String port) {
        RelayMainTest.Result r = add("e1", url);
        assertAll(
                () -> assertEquals(2, r.status(), r.err()),
                () -> assertEquals("wsrelay: endpoint refused: destinationUrl port " + port + " is out of range 1 to 65535\n",
                        r.err()));
    }

    @Test
    void goodOriginsAndHostsAreAccepted() {
        RelayMainTest.Result r = add("e1", "wss://example.com:8443/", "--upstream-origin", "https://app.example.com",
                "--allowed-origin", "https://*.example.com", "--allowed-origin", "http://localhost:3000",
                "--allowed-host", "x.example:443", "--allowed-host", "[::1]:8080", "--header", "X-Key=a b");
        assertEquals(0, r.status(), r.err());
    }
}
