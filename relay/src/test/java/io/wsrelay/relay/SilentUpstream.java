package io.wsrelay.relay;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A TCP server on {@code 127.0.0.1:0} that accepts connections and never answers a byte. */
public final class SilentUpstream implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    public SilentUpstream() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofVirtual().name("silent-upstream").start(() -> {
            while (!server.isClosed()) {
                try {
                    accepted.add(server.accept());
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /** The connections accepted so far, in order. */
    public List<Socket> accepted() {
        return accepted;
    }

    public URI uri() {
        return URI.create("ws://127.0.0.1:" + server.getLocalPort());
    }

    @Override
    public void close() throws Exception {
        server.close();
        for (Socket s : accepted) {
            s.close();
        }
        acceptor.join();
    }
}
