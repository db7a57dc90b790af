package io.wsrelay.relay.cli;

import io.wsrelay.relay.Json;
import io.wsrelay.relay.ops.SessionsApi;
import io.wsrelay.relay.config.RelayConfig;
import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code wsrelay sessions ...}: lists and closes live sessions through a running node's admin API
 * ({@code /admin/sessions}, see {@link SessionsApi}), with the token {@code relay.admin.token}
 * of the configuration (e.g. {@code WSRELAY_ADMIN_TOKEN}). The node is {@code --url}, by default
 * this configuration's own operations port on 127.0.0.1. Exit status: 0 on success, 1 when the
 * node refused or could not be reached, 2 on a usage error. The token is never printed.
 */
@Command(name = "sessions", mixinStandardHelpOptions = true,
        description = "List and close live sessions through a running relay's admin API (relay.admin.token).",
        subcommands = {SessionsCommand.ListSessions.class, SessionsCommand.Close.class})
public final class SessionsCommand {
    /** Longest wait for the node's answer. */
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @CommandLine.ParentCommand
    RelayMain main;

    @Option(names = "--url", paramLabel = "URL", scope = CommandLine.ScopeType.INHERIT,
            description = "A node's operations base URL, e.g. http://10.0.0.11:3001; default: this configuration's on 127.0.0.1.")
    URI url;

    /** Sends one request to the node; prints its error and returns null unless it answered {@code expected}. */
    JsonNode call(CommandLine.Model.CommandSpec spec, String method, String pathAndQuery, int expected) {
        PrintWriter err = spec.commandLine().getErr();
        RelayConfig config = main.config();
        String token = config.operations().adminToken();
        if (token.isEmpty()) {
            throw new UsageException("no admin token: set relay.admin.token (WSRELAY_ADMIN_TOKEN) to the nodes' token");
        }
        URI base = url != null ? url : URI.create("http://127.0.0.1:"
                + (config.operations().hasAdminPort() ? config.operations().adminPort() : config.port()));
        URI target = base.resolve(pathAndQuery);
        HttpRequest request = HttpRequest.newBuilder(target).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build()) {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode body = response.body().isEmpty() ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(response.body());
            if (response.statusCode() != expected) {
                err.println("wsrelay: " + target.getHost() + ":" + target.getPort() + " answered "
                        + response.statusCode() + " " + body.path("error").asText() + ": " + body.path("detail").asText());
                return null;
            }
            return body;
        } catch (IOException e) {
            err.println("wsrelay: cannot reach " + base + ": " + io.wsrelay.relay.ConnectFailure.reason(e));
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("wsrelay: interrupted");
            return null;
        }
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List live sessions: this node's, or with --cluster every node's.")
    static final class ListSessions implements Callable<Integer> {
        @CommandLine.ParentCommand
        SessionsCommand parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = "--cluster", description = "Every node's sessions (the others' as of their last report, at most a few seconds old).")
        boolean cluster;
        @Option(names = "--endpoint", paramLabel = "ID", description = "Only this endpoint's sessions.")
        String endpoint;
        @Option(names = "--json", description = "One JSON object per line.")
        boolean json;

        @Override
        public Integer call() {
            String query = "/admin/sessions?scope=" + (cluster ? "cluster" : "node")
                    + (endpoint == null ? "" : "&endpoint=" + encode(endpoint));
            JsonNode body = parent.call(spec, "GET", query, 200);
            if (body == null) {
                return 1;
            }
            PrintWriter out = spec.commandLine().getOut();
            if (!json) {
                out.printf("%-32s %-16s %-21s %8s %12s %12s%n", "ID", "ENDPOINT", "CLIENT", "AGE_S", "BYTES_UP", "BYTES_DOWN");
            }
            for (JsonNode s : body.path("sessions")) {
                if (json) {
                    out.println(s);
                } else {
                    out.printf("%-32s %-16s %-21s %8d %12d %12d%n", s.path("id").asText(), s.path("endpoint").asText(),
                            s.path("client").asText(), s.path("ageSeconds").asLong(), s.path("bytesToUpstream").asLong(),
                            s.path("bytesToClient").asLong());
                }
            }
            return 0;
        }
    }

    @Command(name = "close", mixinStandardHelpOptions = true,
            description = "Close one session (on whichever node holds it), or with --endpoint every session of an endpoint on every node.")
    static final class Close implements Callable<Integer> {
        @CommandLine.ParentCommand
        SessionsCommand parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "Session id (node:number), as listed.")
        String id;
        @Option(names = "--endpoint", paramLabel = "ID", description = "Close every session of this endpoint instead.")
        String endpoint;

        @Override
        public Integer call() {
            if ((id == null) == (endpoint == null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give a session ID or --endpoint ID, not both");
            }
            PrintWriter out = spec.commandLine().getOut();
            if (id != null) {
                JsonNode body = parent.call(spec, "DELETE", "/admin/sessions/" + encode(id), 202);
                if (body == null) {
                    return 1;
                }
                out.println("closing " + id);
            } else {
                JsonNode body = parent.call(spec, "DELETE", "/admin/sessions?endpoint=" + encode(endpoint), 202);
                if (body == null) {
                    return 1;
                }
                out.println("closing the sessions of " + endpoint + " (" + body.path("closedOnThisNode").asInt()
                        + " on this node" + (body.path("cluster").asBoolean() ? ", the other nodes asked" : "") + ")");
            }
            return 0;
        }
    }
}
