package io.wsrelay.relay.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The bounded label values: endpoint ids and close codes. */
class EndpointLabelsTest {

    @Test
    void firstEndpointsKeepTheirIdAndLaterOnesShareOther() {
        EndpointLabels labels = new EndpointLabels(2);
        assertAll(
                () -> assertEquals("a", labels.label("a")),
                () -> assertEquals("b", labels.label("b")),
                () -> assertEquals(EndpointLabels.OTHER, labels.label("c")),
                () -> assertEquals("a", labels.label("a"), "an admitted id keeps its value"),
                () -> assertEquals(EndpointLabels.OTHER, labels.label("c"), "and so does a refused one"));
    }

    @Test
    void zeroLabelsPutsEveryEndpointUnderOther() {
        assertEquals(EndpointLabels.OTHER, new EndpointLabels(0).label("a"));
    }

    @ParameterizedTest(name = "close code {0} is labelled {1}")
    @CsvSource({"-1, none", "1000, 1000", "1001, 1001", "1015, 1015", "1016, other", "2999, other",
            "3000, 3xxx", "3999, 3xxx", "4000, 4xxx", "4999, 4xxx", "5000, other", "999, other"})
    void closeCodesFoldIntoAFewLabelValues(int code, String label) {
        assertEquals(label, RelayMetrics.codeLabel(code));
    }
}
