// Runs between the injected interceptor and a second copy of it.
window.__afterFirstLoad = WebSocket;
