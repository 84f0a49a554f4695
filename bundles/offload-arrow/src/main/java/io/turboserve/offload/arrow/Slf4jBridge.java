package io.turboserve.offload.arrow;

import java.lang.System.Logger;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * Sends what the embedded Arrow logs through slf4j to {@link System.Logger}, like the rest of the
 * server. The embedded slf4j-api finds this provider through this bundle's
 * {@code META-INF/services/org.slf4j.spi.SLF4JServiceProvider}; without it slf4j would fall back to
 * a no-op logger after printing a warning on every start.
 */
public final class Slf4jBridge implements SLF4JServiceProvider {
    private final ConcurrentMap<String, SystemLoggerAdapter> loggers = new ConcurrentHashMap<>();
    private final ILoggerFactory loggerFactory = name -> loggers.computeIfAbsent(name, SystemLoggerAdapter::new);
    private final IMarkerFactory markerFactory = new BasicMarkerFactory();
    private final MDCAdapter mdcAdapter = new NOPMDCAdapter();

    /** Called by {@link java.util.ServiceLoader}. */
    public Slf4jBridge() {
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggerFactory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markerFactory;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdcAdapter;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99"; // slf4j's convention for "any 2.0.x"
    }

    @Override
    public void initialize() {
        // nothing to set up: System.Logger is looked up per logger
    }

    /** One slf4j logger over one System.Logger of the same name. */
    static final class SystemLoggerAdapter extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;
        private final transient Logger target;

        SystemLoggerAdapter(String name) {
            this.name = name;
            this.target = System.getLogger(name);
        }

        @Override
        public boolean isTraceEnabled() {
            return target.isLoggable(Logger.Level.TRACE);
        }

        @Override
        public boolean isDebugEnabled() {
            return target.isLoggable(Logger.Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return target.isLoggable(Logger.Level.DEBUG); // see map
        }

        @Override
        public boolean isWarnEnabled() {
            return target.isLoggable(Logger.Level.WARNING);
        }

        @Override
        public boolean isErrorEnabled() {
            return target.isLoggable(Logger.Level.ERROR);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                Throwable throwable) {
            target.log(map(level), MessageFormatter.basicArrayFormat(pattern, arguments), throwable);
        }

        /**
         * Arrow's INFO lines are start-up diagnostics ("Debug mode disabled", and "allocation manager
         * type not specified, using netty", which its static default configuration prints even though
         * the store names the unsafe manager): noise in a server log, so they go out at DEBUG.
         */
        private static Logger.Level map(Level level) {
            return switch (level) {
                case TRACE -> Logger.Level.TRACE;
                case DEBUG, INFO -> Logger.Level.DEBUG;
                case WARN -> Logger.Level.WARNING;
                case ERROR -> Logger.Level.ERROR;
            };
        }
    }
}
