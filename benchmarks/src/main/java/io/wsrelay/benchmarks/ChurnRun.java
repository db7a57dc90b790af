package io.wsrelay.benchmarks;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Connection churn against an echo target: {@code --workers} loops, each opening a WebSocket,
 * sending one text message, waiting for its echo and closing with 1000, for {@code --secs}
 * seconds. Prints one JSON line: completed sessions per second (upgrades/s) and failures.
 * Exit status 0 without failures, 1 with some, 2 on a usage error.
 */
@Command(name = "churn", mixinStandardHelpOptions = true,
        description = "Open, echo once, close, in a loop; reports upgrades per second.")
public final class ChurnRun implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "URL", description = "ws:// echo target")
    URI url;
    @Option(names = "--workers", description = "concurrent loops (default ${DEFAULT-VALUE})")
    int workers = 16;
    @Option(names = "--secs", description = "measured seconds (default ${DEFAULT-VALUE})")
    double secs = 5;
    @Option(names = "--warmup", description = "seconds run before measuring (default ${DEFAULT-VALUE})")
    double warmup = 1;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChurnRun()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (workers < 1 || secs <= 0 || warmup < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--workers >= 1, --secs > 0, --warmup >= 0");
        }
        LongAdder done = new LongAdder();
        LongAdder failed = new LongAdder();
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean running = new AtomicBoolean(true);
        try (HttpClient http = HttpClient.newHttpClient();
             ExecutorService loops = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < workers; i++) {
                loops.submit(() -> {
                    while (running.get()) {
                        boolean ok = once(http);
                        if (measuring.get()) {
                            (ok ? done : failed).increment();
                        }
                    }
                    return null;
                });
            }
            Thread.sleep(Duration.ofMillis((long) (warmup * 1000))); // a timed run, not a wait for state
            measuring.set(true);
            long start = System.nanoTime();
            Thread.sleep(Duration.ofMillis((long) (secs * 1000)));
            measuring.set(false);
            double elapsed = (System.nanoTime() - start) / 1e9;
            running.set(false);
            System.out.printf("{\"url\":\"%s\",\"workers\":%d,\"secs\":%.2f,\"sessions\":%d,\"upgradesPerSec\":%.1f,\"failures\":%d}%n",
                    url, workers, elapsed, done.sum(), done.sum() / elapsed, failed.sum());
        }
        return failed.sum() == 0 ? 0 : 1;
    }

    private boolean once(HttpClient http) {
        CompletableFuture<Void> echoed = new CompletableFuture<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        try {
            WebSocket ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(url, new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                            if (last) {
                                echoed.complete(null);
                            }
                            webSocket.request(1);
                            return null;
                        }

                        @Override
                        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                            closed.complete(null);
                            return null;
                        }

                        @Override
                        public void onError(WebSocket webSocket, Throwable error) {
                            echoed.completeExceptionally(error);
                            closed.completeExceptionally(error);
                        }
                    }).get(10, TimeUnit.SECONDS);
            ws.sendText("churn", true).get(10, TimeUnit.SECONDS);
            echoed.get(10, TimeUnit.SECONDS);
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
            closed.get(10, TimeUnit.SECONDS); // the relay's close frame: the session has ended
            ws.abort();
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
    }
}
