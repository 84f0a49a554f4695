package io.turboserve.management;

import io.turboserve.api.serving.GpuStatus;
import io.turboserve.api.serving.PolicySlot;
import io.turboserve.api.serving.ServingService;
import io.turboserve.api.serving.SessionStatus;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Keeps our MBeans in an MBeanServer in line with the server: the cluster and the two policy slots
 * for as long as it is open, one MBean per provisioned GPU and per session not departed, added and
 * removed by {@link #refresh()}. It unregisters only what it registered. All methods are
 * synchronized: the refresh thread and the component's deactivation meet here, and nothing is
 * registered once {@link #close()} has run.
 */
final class MBeanRegistrar implements AutoCloseable {
    private static final Logger LOG = System.getLogger(MBeanRegistrar.class.getName());

    private final MBeanServer server;
    private final ServingService serving;
    /** The cluster and policy MBeans: always wanted while open. */
    private final Map<ObjectName, Object> fixedBeans = new LinkedHashMap<>();
    private final Set<ObjectName> fixed = new HashSet<>();
    private final Map<Integer, ObjectName> gpus = new LinkedHashMap<>();
    private final Map<String, ObjectName> sessions = new LinkedHashMap<>();
    /** Names another party holds, so we log them once instead of on every refresh. */
    private final Set<ObjectName> taken = new HashSet<>();
    private String lastRefreshFailure;
    private boolean open;
    private boolean closed;

    MBeanRegistrar(MBeanServer server, ServingService serving) {
        this.server = server;
        this.serving = serving;
        fixedBeans.put(ObjectNames.cluster(), new ClusterBean(serving));
        for (PolicySlot slot : PolicySlot.values()) {
            fixedBeans.put(ObjectNames.policy(slot), new PolicyBean(serving, slot));
        }
    }

    /** Registers the cluster and policy MBeans; it does not call the serving service. */
    synchronized void open() {
        if (open || closed) {
            return;
        }
        open = true;
        registerFixed();
    }

    private void registerFixed() {
        fixedBeans.forEach((name, bean) -> {
            if (!fixed.contains(name)) {
                register(name, bean).ifPresent(fixed::add);
            }
        });
    }

    /**
     * Registers an MBean for each GPU and session that appeared since the last refresh and
     * unregisters those of the ones that left. When the service fails to list them, everything
     * stays as it is (a transient failure must not make every MBean vanish) and the failure is
     * logged once until it changes. A cluster or policy MBean whose name was taken at
     * {@link #open()} is tried again.
     */
    synchronized void refresh() {
        if (!open || closed) {
            return;
        }
        registerFixed();
        List<GpuStatus> gpuList;
        List<SessionStatus> sessionList;
        try {
            gpuList = serving.gpus();
            sessionList = serving.sessions();
        } catch (RuntimeException e) {
            String failure = String.valueOf(e);
            if (!failure.equals(lastRefreshFailure)) {
                LOG.log(Level.WARNING, "cannot list GPUs and sessions; MBeans left as they are", e);
                lastRefreshFailure = failure;
            }
            return;
        }
        if (lastRefreshFailure != null) {
            LOG.log(Level.INFO, "listing GPUs and sessions works again");
            lastRefreshFailure = null;
        }
        Map<Integer, GpuStatus> currentGpus = new LinkedHashMap<>();
        gpuList.forEach(g -> currentGpus.put(g.id(), g));
        Map<String, SessionStatus> currentSessions = new LinkedHashMap<>();
        sessionList.forEach(s -> currentSessions.put(s.id(), s));
        sync(gpus, currentGpus, ObjectNames::gpu, g -> new GpuBean(serving, g));
        sync(sessions, currentSessions, ObjectNames::session, s -> new SessionBean(serving, s));
        // Forget conflicts of entities that left, so the set stays as small as the conflicts.
        taken.removeIf(n -> !fixedBeans.containsKey(n) && !isWanted(n, currentGpus, currentSessions));
    }

    private static boolean isWanted(ObjectName name, Map<Integer, GpuStatus> gpus,
            Map<String, SessionStatus> sessions) {
        String id = name.getKeyProperty("id");
        return "Gpu".equals(name.getKeyProperty("type"))
                ? gpus.keySet().stream().anyMatch(g -> ObjectNames.gpu(g).equals(name))
                : id != null && sessions.keySet().stream().anyMatch(s -> ObjectNames.session(s).equals(name));
    }

    private <K, V> void sync(Map<K, ObjectName> registered, Map<K, V> current, Function<K, ObjectName> naming,
            Function<V, Object> beans) {
        registered.entrySet().removeIf(e -> {
            if (current.containsKey(e.getKey())) {
                return false;
            }
            unregister(e.getValue());
            return true;
        });
        current.forEach((key, status) -> {
            if (!registered.containsKey(key)) {
                ObjectName name;
                try {
                    name = naming.apply(key);
                } catch (IllegalArgumentException e) {
                    LOG.log(Level.WARNING, "no MBean for " + key + ": " + e.getMessage());
                    return;
                }
                register(name, beans.apply(status)).ifPresent(n -> registered.put(key, n));
            }
        });
    }

    /** Unregisters every MBean registered here; later calls do nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        sessions.values().forEach(this::unregister);
        gpus.values().forEach(this::unregister);
        fixed.forEach(this::unregister);
        sessions.clear();
        gpus.clear();
        fixed.clear();
    }

    /** @return the names registered here now. */
    synchronized Set<ObjectName> registered() {
        Set<ObjectName> all = new HashSet<>(fixed);
        all.addAll(gpus.values());
        all.addAll(sessions.values());
        return all;
    }

    private Optional<ObjectName> register(ObjectName name, Object bean) {
        try {
            server.registerMBean(bean, name);
            taken.remove(name);
            LOG.log(Level.DEBUG, () -> "registered " + name);
            return Optional.of(name);
        } catch (InstanceAlreadyExistsException e) {
            if (taken.add(name)) {
                LOG.log(Level.WARNING, "another MBean is registered as " + name + "; leaving it in place");
            }
        } catch (JMException | RuntimeException e) {
            LOG.log(Level.ERROR, "cannot register " + name, e);
        }
        return Optional.empty();
    }

    private void unregister(ObjectName name) {
        try {
            server.unregisterMBean(name);
            LOG.log(Level.DEBUG, () -> "unregistered " + name);
        } catch (InstanceNotFoundException e) {
            LOG.log(Level.DEBUG, () -> name + " was already unregistered");
        } catch (JMException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot unregister " + name, e);
        }
    }
}
