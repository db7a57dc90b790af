package io.wsrelay.storage.redis;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/** Records what one class logs, from creation to {@link #close()}; safe to read while others log. */
final class LogCapture implements AutoCloseable {

    private final Logger logger;
    private final Recorder recorder = new Recorder();

    LogCapture(Class<?> source) {
        logger = (Logger) LoggerFactory.getLogger(source);
        recorder.setContext(logger.getLoggerContext());
        recorder.start();
        logger.addAppender(recorder);
    }

    /** The formatted messages logged at {@code level} so far. */
    List<String> messages(Level level) {
        return recorder.events.stream()
                .filter(e -> e.getLevel() == level)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Override
    public void close() {
        logger.detachAppender(recorder);
        recorder.stop();
    }

    private static final class Recorder extends AppenderBase<ILoggingEvent> {
        private final Queue<ILoggingEvent> events = new ConcurrentLinkedQueue<>();

        @Override
        protected void append(ILoggingEvent event) {
            events.add(event);
        }
    }
}
