package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The discovery admin API from the command line ({@code wsrelay discovery show|asyncapi|har|clear ID}):
 * one HTTP request to a running relay's operations port with the admin token, the answer printed
 * as indented JSON. Blocks for at most the given timeout. Exit status: 0 done, 1 refused or
 * unreachable (the relay's error detail, never the token, goes to {@code err}).
 */
public final class DiscoveryClient {
    private final URI base;
    private final String token;
    private final Duration timeout;

    /**
     * @param base    {@code http://host:port} of the relay's operations port
     * @param token   the admin token ({@code relay.admin.token})
     * @param timeout longest wait for the answer
     */
    public DiscoveryClient(URI base, String token, Duration timeout) {
        this.base = base;
        this.token = token;
        this.timeout = timeout;
    }

    /**
     * Runs one command.
     *
     * @param view {@code show}, {@code asyncapi}, {@code har} or {@code clear}
     * @return the exit status
     * @throws IllegalArgumentException for another view
     */
    public int run(String view, String endpointId, PrintWriter out, PrintWriter err) throws InterruptedException {
        String path = DiscoveryHandler.PREFIX + URLEncoder.encode(endpointId, StandardCharsets.UTF_8).replace("+", "%20")
                + switch (view) {
                    case "show", "clear" -> "";
                    case "asyncapi" -> "/asyncapi";
                    case "har" -> "/har";
                    default -> throw new IllegalArgumentException("unknown view " + view);
                };
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .method(view.equals("clear") ? "DELETE" : "GET", HttpRequest.BodyPublishers.noBody())
                .build();
        HttpResponse<String> response;
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build()) {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            err.println("wsrelay: cannot reach the relay at " + base + ": " + io.wsrelay.relay.ConnectFailure.reason(e));
            return 1;
        }
        if (response.statusCode() == 204) {
            out.println("cleared discovery data of " + endpointId);
            return 0;
        }
        JsonNode body;
        try {
            body = Aggregator.JSON.readTree(response.body());
        } catch (JacksonException e) {
            err.println("wsrelay: the relay answered " + response.statusCode() + " without JSON");
            return 1;
        }
        if (response.statusCode() != 200) {
            err.println("wsrelay: " + response.statusCode() + " " + body.path("error").asText() + ": "
                    + body.path("detail").asText());
            return 1;
        }
        out.println(body.toPrettyString());
        return 0;
    }
}
