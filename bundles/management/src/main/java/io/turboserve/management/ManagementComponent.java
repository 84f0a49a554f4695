package io.turboserve.management;

import io.turboserve.api.config.ConfigValues;
import io.turboserve.api.serving.ServingService;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Puts the server's MXBeans in the platform MBeanServer (where Jolokia and JConsole find them) for
 * as long as a {@link ServingService} is bound, and keeps the per-GPU and per-session ones in line
 * with a refresh every {@code refreshMillis} on one named daemon thread.
 *
 * <p>Immediate, because it provides no service: a delayed component would never be activated, and
 * one activated by a consumer would take its MBeans with it when the last consumer left (STACK.md,
 * trap 6). The reference is static: when the serving service is replaced, every MBean is
 * unregistered and registered again over the new one.
 */
@Component(immediate = true, service = {}, configurationPid = ManagementComponent.PID)
@Designate(ocd = ManagementComponent.Config.class)
public final class ManagementComponent {
    static final String PID = "io.turboserve.management.jmx";
    static final String THREAD_NAME = "turboserve-management-refresh";
    static final long MIN_REFRESH_MILLIS = 50;
    static final long MAX_REFRESH_MILLIS = 60_000;
    static final long DEFAULT_REFRESH_MILLIS = 500;

    private static final Logger LOG = System.getLogger(ManagementComponent.class.getName());

    @ObjectClassDefinition(id = PID, name = "TurboServe management (JMX)",
            description = "MXBeans for the cluster, each GPU, each session and each policy slot.")
    public @interface Config {
        @AttributeDefinition(name = "Refresh period (ms)", min = "50", max = "60000",
                description = "How often MBeans are registered for new GPUs and sessions and removed for departed"
                        + " ones. 500 ms shows a new session within half a second for two list calls per period;"
                        + " attributes are always read live, whatever the period.")
        long refreshMillis() default DEFAULT_REFRESH_MILLIS;
    }

    private final MBeanRegistrar registrar;
    private final ScheduledExecutorService scheduler;
    private ScheduledFuture<?> refreshing;
    private long refreshMillis;

    @Activate
    public ManagementComponent(@Reference(name = "serving") ServingService serving, Config config) {
        this(serving, config, ManagementFactory.getPlatformMBeanServer());
    }

    ManagementComponent(ServingService serving, Config config, MBeanServer server) {
        this.registrar = new MBeanRegistrar(server, serving);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, THREAD_NAME);
            thread.setDaemon(true);
            return thread;
        });
        registrar.open();
        configure(config);
        LOG.log(Level.INFO, "management MBeans registered under " + ObjectNames.DOMAIN + ":*");
    }

    @Modified
    void modified(Config config) {
        configure(config);
    }

    /** Validates the configuration and (re)starts the refresh; the first refresh runs at once. */
    private synchronized void configure(Config config) {
        ConfigValues.readable(PID, Config.class, config);
        long millis = refreshMillis(config.refreshMillis());
        if (refreshing != null) {
            if (millis == refreshMillis) {
                return;
            }
            refreshing.cancel(false);
        }
        refreshMillis = millis;
        refreshing = scheduler.scheduleWithFixedDelay(this::refresh, 0, millis, TimeUnit.MILLISECONDS);
    }

    /** @return the period to use: the configured one when in range, else the default (and says so). */
    static long refreshMillis(long configured) {
        if (configured < MIN_REFRESH_MILLIS || configured > MAX_REFRESH_MILLIS) {
            LOG.log(Level.WARNING, "refreshMillis=" + configured + " rejected: it must be between "
                    + MIN_REFRESH_MILLIS + " and " + MAX_REFRESH_MILLIS + " ms; using " + DEFAULT_REFRESH_MILLIS);
            return DEFAULT_REFRESH_MILLIS;
        }
        return configured;
    }

    private void refresh() {
        try {
            registrar.refresh();
        } catch (RuntimeException e) {
            // An exception would cancel the periodic task for good.
            LOG.log(Level.ERROR, "MBean refresh failed", e);
        }
    }

    synchronized long refreshPeriodMillis() {
        return refreshMillis;
    }

    MBeanRegistrar registrar() {
        return registrar;
    }

    @Deactivate
    void deactivate() {
        scheduler.shutdownNow();
        registrar.close();
        LOG.log(Level.INFO, "management MBeans unregistered");
    }
}
