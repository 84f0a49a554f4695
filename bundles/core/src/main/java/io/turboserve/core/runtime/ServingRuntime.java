package io.turboserve.core.runtime;

import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.SessionSpec;
import io.turboserve.api.config.ConfigValues;
import io.turboserve.api.executor.ChunkExecutor;
import io.turboserve.api.executor.ExecutorException;
import io.turboserve.api.offload.OffloadStore;
import io.turboserve.api.policy.AutoscalingPolicy;
import io.turboserve.api.policy.BudgetBounds;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.provision.GpuProvisioner;
import io.turboserve.api.serving.ChunkStream;
import io.turboserve.api.serving.ClusterStatus;
import io.turboserve.api.serving.GpuStatus;
import io.turboserve.api.serving.PolicySlot;
import io.turboserve.api.serving.ServingException;
import io.turboserve.api.serving.ServingException.Kind;
import io.turboserve.api.serving.ServingService;
import io.turboserve.api.serving.SessionStatus;
import io.turboserve.api.transport.MigrationTransport;
import io.turboserve.core.controller.AnalyticLatencyModel;
import io.turboserve.core.controller.ClusterState;
import io.turboserve.core.controller.Controller;
import io.turboserve.core.controller.ControllerConfig;
import io.turboserve.core.controller.Event;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The server: the {@link ServingService} that the gateway and the management bundle use. It owns
 * the controller and runs it on one named actor thread ({@code turboserve-controller}); client and
 * operator requests, mechanism completions and ticks are all events posted to that thread. Effects
 * are carried out by {@link EffectRunner}.
 *
 * <p>Every mechanism is a dynamic reference, so a bundle can be swapped while sessions run: the
 * previous policy serves until the new one is bound, and an executor that goes away has its
 * resident state offloaded first.
 */
@Component(service = ServingService.class, immediate = true, configurationPid = "io.turboserve.core.runtime",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = ServingRuntime.Config.class)
public final class ServingRuntime implements ServingService {
    private static final Logger LOG = System.getLogger(ServingRuntime.class.getName());

    @ObjectClassDefinition(name = "TurboServe serving runtime")
    public @interface Config {
        @AttributeDefinition(description = "K: the most sessions resident on one GPU.")
        int sessionsPerGpu() default 4;

        @AttributeDefinition(description = "The most sessions served by one coalesced step.")
        int maxBatch() default 4;

        @AttributeDefinition(description = "Chunks a session may buffer ahead of its client before generation pauses.")
        int bufferAhead() default 4;

        @AttributeDefinition(description = "Milliseconds of video one chunk holds, watched in real time by its user: "
                + "the unit of playout slack that stall-aware policies read (750: 12 frames at 16 fps). Read when "
                + "the runtime starts, like K and the batch size.")
        long chunkVideoMillis() default 750;

        @AttributeDefinition(description = "Fewest GPUs to keep provisioned.")
        int minBudget() default 1;

        @AttributeDefinition(description = "Most GPUs to provision.")
        int maxBudget() default 4;

        @AttributeDefinition(description = "policy.name of the placement policy to use. Default playout-slack "
                + "(ours; docs/bench/report.md).")
        String placementPolicy() default "playout-slack";

        @AttributeDefinition(description = "policy.name of the autoscaling policy to use. Default forecast (ours).")
        String autoscalingPolicy() default "forecast";

        @AttributeDefinition(description = "Controller tick in milliseconds (policies also run on lifecycle and GPU events).")
        long tickMillis() default 1000;

        @AttributeDefinition(description = "A lower budget must have sufficed this long before scaling in (ms).")
        long scaleInHoldMillis() default 5000;

        @AttributeDefinition(description = "How long a client or operator request waits for the controller (ms).")
        long requestTimeoutMillis() default 10000;

        @AttributeDefinition(description = "How long a departing executor's state may take to offload (ms).")
        long evacuateTimeoutMillis() default 60000;
    }

    private final InstantSource clock = InstantSource.system();
    private final ScheduledExecutorService actor;
    private final Controller controller;
    private final EffectRunner effects;
    private final Map<String, Outbox> outboxes = new ConcurrentHashMap<>();
    private final Map<String, PlacementPolicy> placements = new ConcurrentHashMap<>();
    private final Map<String, AutoscalingPolicy> autoscalers = new ConcurrentHashMap<>();
    private final List<ChunkExecutor> executors = new CopyOnWriteArrayList<>();
    /** The bound executors whose offload and restore copies may overlap their steps. */
    private final java.util.Set<ChunkExecutor> concurrentCopies = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();
    private final long requestTimeoutMillis;
    private final long evacuateTimeoutMillis;
    /** The configuration the runtime started with: what its structural settings are. */
    private final Config started;
    /** The configuration last applied: an edit applies the policy names and bounds it changes. */
    private volatile Config configured;
    private volatile String placementName;
    private volatile String autoscalingName;

    /** How long policies and the executor may take to bind at start before a missing one is a warning. */
    private static final long STARTUP_GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);
    private final long startedNanos = System.nanoTime();

    /** A runtime that remembers no sessions across restarts (tests). */
    public ServingRuntime(Config config) {
        this(config, null);
    }

    /**
     * @param context its bundle's context: the sessions a stopping runtime ends are written to its
     *                data area, so that the next one answers "gone, and why" for them, not "no
     *                such session"; null to remember nothing
     */
    @Activate
    public ServingRuntime(Config config, BundleContext context) {
        this.endedFile = context == null ? null : context.getDataFile(ENDED_FILE);
        ControllerConfig cc;
        try {
            cc = validate(config);
        } catch (IllegalArgumentException e) {
            // A bad file in etc/ must not leave the server without its API: start with the
            // defaults, say so, and apply the file as usual once it is fixed.
            LOG.log(Level.ERROR, e.getMessage().replaceAll(";$", "") + " -- starting with the defaults of every "
                    + "io.turboserve.core.runtime setting instead; fix the file and the change applies as usual");
            config = defaults();
            cc = validate(config);
        }
        this.requestTimeoutMillis = config.requestTimeoutMillis();
        this.evacuateTimeoutMillis = config.evacuateTimeoutMillis();
        this.started = config;
        this.configured = config;
        this.placementName = config.placementPolicy();
        this.autoscalingName = config.autoscalingPolicy();
        this.controller = new Controller(cc, AnalyticLatencyModel.reference(cc.sessionsPerGpu()));
        // Executors bind after construction: nothing to provision or place until one does.
        controller.awaitExecutor();
        this.actor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "turboserve-controller");
            t.setDaemon(true);
            return t;
        });
        this.effects = new EffectRunner(this::post, outboxes, this::nowNanos);
        Map<String, String> ended = readEnded(endedFile);
        if (!ended.isEmpty()) {
            actor.execute(() -> controller.rememberEnded(ended));
        }
        // Each tick (on the actor) first fits the budget bounds to the provisioner: its limit is
        // known only once its executor is bound, and bounds from etc/ may exceed it.
        actor.scheduleAtFixedRate(() -> {
            try {
                fitBoundsToProvisioner();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "budget bounds could not be checked against the provisioner: {0}", e.toString());
            }
            post(new Event.Tick());
        }, config.tickMillis(), config.tickMillis(), TimeUnit.MILLISECONDS);
        actor.schedule(this::checkPoliciesBound, STARTUP_GRACE_NANOS, TimeUnit.NANOSECONDS);
        LOG.log(Level.INFO, "serving runtime started: K={0}, max batch {1}, budget {2}..{3}, policies {4}/{5}",
                cc.sessionsPerGpu(), cc.maxBatch(), cc.bounds().min(), cc.bounds().max(), placementName, autoscalingName);
    }

    /** @return the configuration with every setting at its default. */
    static Config defaults() {
        return ConfigValues.defaults(Config.class);
    }

    /** Validates the whole configuration at once, naming every value it rejects. */
    static ControllerConfig validate(Config c) {
        ConfigValues.readable("io.turboserve.core.runtime", Config.class, c);
        StringBuilder bad = new StringBuilder();
        if (c.tickMillis() < 1) {
            bad.append(" tickMillis must be at least 1 (got ").append(c.tickMillis()).append(");");
        }
        if (c.requestTimeoutMillis() < 1) {
            bad.append(" requestTimeoutMillis must be at least 1 (got ").append(c.requestTimeoutMillis()).append(");");
        }
        if (c.evacuateTimeoutMillis() < 0) {
            bad.append(" evacuateTimeoutMillis must not be negative (got ").append(c.evacuateTimeoutMillis()).append(");");
        }
        if (c.placementPolicy() == null || c.placementPolicy().isBlank()) {
            bad.append(" placementPolicy must name a policy;");
        }
        if (c.autoscalingPolicy() == null || c.autoscalingPolicy().isBlank()) {
            bad.append(" autoscalingPolicy must name a policy;");
        }
        ControllerConfig d = ControllerConfig.defaults();
        try {
            ControllerConfig cc = new ControllerConfig(c.sessionsPerGpu(), c.maxBatch(), c.bufferAhead(),
                    new BudgetBounds(c.minBudget(), c.maxBudget()), Duration.ofMillis(c.scaleInHoldMillis()),
                    d.demandWindow(), d.demandBins(), d.maxMigrationsInFlight(), d.migrationFixedNanos(),
                    d.migrationBytesPerSecond(), d.provisionRetry(), d.tombstones(), Duration.ofMillis(c.chunkVideoMillis()));
            if (bad.length() == 0) {
                return cc;
            }
        } catch (IllegalArgumentException e) {
            bad.append(' ').append(e.getMessage()).append(';');
        }
        throw new IllegalArgumentException("invalid io.turboserve.core.runtime configuration:" + bad);
    }

    @Modified
    void modified(Config config) {
        try {
            validate(config);
        } catch (IllegalArgumentException e) {
            // A bad edit in etc/ must not take the server (and every session) down: refuse it, say
            // why, keep serving with what was there.
            LOG.log(Level.ERROR, e.getMessage().replaceAll(";$", "") + " -- the change is ignored and the previous configuration stays");
            return;
        }
        // Policy names and bounds change while running; the other settings shape the controller and
        // its threads, so they wait for a restart, which the log says rather than ignoring them.
        List<String> atRestart = restartOnlyChanges(started, config);
        if (!atRestart.isEmpty()) {
            LOG.log(Level.WARNING, "io.turboserve.core.runtime: " + String.join(", ", atRestart) + " changed; "
                    + "they apply when the serving runtime restarts (restart the io.turboserve.core bundle or the "
                    + "server). Policy names and budget bounds apply now.");
        }
        // Only what the edit changes applies: a policy an operator selected or bounds they set over
        // JMX stand until the file changes that same setting, not at every unrelated edit.
        Config previous = configured;
        configured = config;
        if (!config.placementPolicy().equals(previous.placementPolicy())) {
            placementName = config.placementPolicy();
        }
        if (!config.autoscalingPolicy().equals(previous.autoscalingPolicy())) {
            autoscalingName = config.autoscalingPolicy();
        }
        postPolicies();
        boolean minEdited = config.minBudget() != previous.minBudget();
        boolean maxEdited = config.maxBudget() != previous.maxBudget();
        if (minEdited || maxEdited) {
            // A bound the edit leaves alone keeps its value, set over JMX or not.
            int min = config.minBudget();
            int max = config.maxBudget();
            if (!minEdited || !maxEdited) {
                try {
                    ClusterStatus now = cluster();
                    min = minEdited ? min : now.minBudget();
                    max = maxEdited ? max : now.maxBudget();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "the budget bounds in force could not be read; the file's both apply: "
                            + e.getMessage());
                }
            }
            if (min > max) {
                LOG.log(Level.ERROR, "io.turboserve.core.runtime: minBudget " + min + " is above maxBudget " + max
                        + " once the bound set over JMX is kept; the bounds stay as they are");
                return;
            }
            BudgetBounds fitted = fitToProvisioner(new BudgetBounds(min, max));
            post(new Event.BoundsChanged(fitted.min(), fitted.max()));
        }
    }

    /** @return the settings of {@code wanted} that differ from {@code running} and apply only when the runtime restarts. */
    static List<String> restartOnlyChanges(Config running, Config wanted) {
        List<String> changed = new ArrayList<>();
        differs(changed, "sessionsPerGpu", running.sessionsPerGpu(), wanted.sessionsPerGpu());
        differs(changed, "maxBatch", running.maxBatch(), wanted.maxBatch());
        differs(changed, "bufferAhead", running.bufferAhead(), wanted.bufferAhead());
        differs(changed, "chunkVideoMillis", running.chunkVideoMillis(), wanted.chunkVideoMillis());
        differs(changed, "tickMillis", running.tickMillis(), wanted.tickMillis());
        differs(changed, "scaleInHoldMillis", running.scaleInHoldMillis(), wanted.scaleInHoldMillis());
        differs(changed, "requestTimeoutMillis", running.requestTimeoutMillis(), wanted.requestTimeoutMillis());
        differs(changed, "evacuateTimeoutMillis", running.evacuateTimeoutMillis(), wanted.evacuateTimeoutMillis());
        return changed;
    }

    private static void differs(List<String> changed, String name, long running, long wanted) {
        if (running != wanted) {
            changed.add(name + " (" + running + " -> " + wanted + ")");
        }
    }

    /** Set when the runtime stops: mechanisms unbound after that have nothing to hand back. */
    private volatile boolean stopped;

    @Deactivate
    void deactivate() {
        stopped = true;
        // Sessions end with the runtime: give back what they hold in the executor and the store,
        // which outlive it (a restarted runtime would otherwise find them full of the dead), and
        // leave their ids to the next runtime, which answers "gone" for them.
        try {
            writeEnded(endedFile, actor.submit(() -> controller.endedSessions("the serving runtime stopped"))
                    .get(2, TimeUnit.SECONDS));
            actor.submit(() -> effects.run(controller.releaseAll())).get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException
                | java.util.concurrent.RejectedExecutionException e) {
            LOG.log(Level.WARNING, "stopping: the sessions' states and host slots could not all be freed: {0}", e.toString());
        }
        actor.shutdownNow();
        effects.close();
        for (Outbox o : outboxes.values()) {
            o.end("server stopping");
        }
        LOG.log(Level.INFO, "serving runtime stopped");
    }

    /** In the bundle's data area: the sessions the last runtime ended, a line each, id TAB why. */
    static final String ENDED_FILE = "ended-sessions.tsv";
    private final java.io.File endedFile;

    static Map<String, String> readEnded(java.io.File file) {
        Map<String, String> ended = new java.util.LinkedHashMap<>();
        if (file == null || !file.isFile()) {
            return ended;
        }
        try {
            for (String line : java.nio.file.Files.readAllLines(file.toPath(), java.nio.charset.StandardCharsets.UTF_8)) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    ended.put(line.substring(0, tab), line.substring(tab + 1));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "the sessions the last runtime ended could not be read from {0} ({1}); requests for "
                    + "them get 404 rather than 410", file, e.toString());
        }
        return ended;
    }

    static void writeEnded(java.io.File file, Map<String, String> ended) {
        if (file == null) {
            return;
        }
        StringBuilder b = new StringBuilder();
        ended.forEach((id, why) -> b.append(id.replaceAll("\\s", "_")).append('\t')
                .append(why.replaceAll("[\\t\\r\\n]", " ")).append('\n'));
        try {
            java.nio.file.Files.writeString(file.toPath(), b, java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "the sessions this runtime ended could not be written to {0} ({1}); after the "
                    + "restart requests for them get 404 rather than 410", file, e.toString());
        }
    }

    long nowNanos() {
        var i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    // ---------------------------------------------------------------- the actor

    /** Handles an event on the actor thread; refusals of mechanism events are logged, never thrown. */
    void post(Event event) {
        try {
            actor.execute(() -> {
                try {
                    effects.run(controller.handle(event, nowNanos()));
                } catch (ServingException e) {
                    LOG.log(Level.WARNING, "event {0} refused: {1}", event, e.getMessage());
                } catch (RuntimeException e) {
                    LOG.log(Level.ERROR, "controller failed on " + event, e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // The runtime is stopping; late completions are dropped with it.
        }
    }

    /** Runs a request on the actor thread and waits for its answer. */
    private <T> T call(Callable<T> request) throws ServingException {
        try {
            return actor.submit(request).get(requestTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ServingException se) {
                throw se;
            }
            throw new ServingException(Kind.INTERNAL, "request failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new ServingException(Kind.UNAVAILABLE, "the controller did not answer within " + requestTimeoutMillis + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServingException(Kind.UNAVAILABLE, "interrupted while waiting for the controller");
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new ServingException(Kind.UNAVAILABLE, "the server is stopping");
        }
    }

    /** Sends an event on the actor thread, carries out its effects, then answers with {@code after}. */
    private <T> T send(Event event, Callable<T> after) throws ServingException {
        return call(() -> {
            effects.run(controller.handle(event, nowNanos()));
            return after.call();
        });
    }

    private ClusterState state() {
        return controller.state();
    }

    // ---------------------------------------------------------------- ServingService

    @Override
    public SessionStatus create(SessionSpec spec) throws ServingException {
        ChunkExecutor exec = effects.executor();
        if (exec == null) {
            throw new ServingException(Kind.UNAVAILABLE, "no chunk executor is bound; sessions cannot be served now");
        }
        long bytes;
        try {
            bytes = exec.stateBytes(spec);
        } catch (ExecutorException e) {
            throw new ServingException(Kind.INVALID, e.getMessage(), e);
        }
        // An id a previous runtime used (the counter starts again) is taken: try another.
        for (int attempt = 1;; attempt++) {
            String id = "s-" + Long.toString(ids.incrementAndGet(), 36) + "-" + Long.toHexString(nowNanos() & 0xffffffL);
            outboxes.put(id, new Outbox(id, sid -> post(new Event.ChunkConsumed(sid)), sid -> post(new Event.ChunkReturned(sid))));
            try {
                return send(new Event.SessionCreated(id, spec, bytes), () -> state().sessionStatus(id));
            } catch (ServingException e) {
                outboxes.remove(id);
                if (e.kind() == Kind.UNAVAILABLE) {
                    // The controller may still create it after the wait timed out; the client never
                    // learnt the id, so close it rather than leave an orphan holding a GPU slot.
                    post(new Event.SessionClosed(id));
                }
                if (e.kind() != Kind.CONFLICT || attempt == 5) {
                    throw e;
                }
            }
        }
    }

    @Override
    public SessionStatus activate(String sessionId) throws ServingException {
        return send(new Event.SessionActivated(sessionId), () -> state().sessionStatus(sessionId));
    }

    @Override
    public SessionStatus idle(String sessionId) throws ServingException {
        return send(new Event.SessionIdled(sessionId), () -> state().sessionStatus(sessionId));
    }

    @Override
    public SessionStatus close(String sessionId) throws ServingException {
        return call(() -> {
            SessionStatus before = state().sessionStatus(sessionId);
            effects.run(controller.handle(new Event.SessionClosed(sessionId), nowNanos()));
            return new SessionStatus(before.id(), before.tenant(), before.model(), Lifecycle.DEPARTED, Residency.NONE, -1,
                    0, before.epoch(), before.nextChunkIndex(), before.chunksDelivered(), 0, before.lastChunkLatencyNanos(),
                    before.worstChunkLatencyNanos(), "closed by the client");
        });
    }

    @Override
    public SessionStatus status(String sessionId) throws ServingException {
        return call(() -> state().sessionStatus(sessionId));
    }

    @Override
    public List<SessionStatus> sessions() {
        try {
            return call(() -> state().sessionStatuses());
        } catch (ServingException e) {
            // Not an empty list: that would read as "none" while the controller cannot answer.
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public ChunkStream stream(String sessionId) throws ServingException {
        call(() -> state().sessionStatus(sessionId));
        Outbox box = outboxes.get(sessionId);
        if (box == null) {
            throw new ServingException(Kind.GONE, "session " + sessionId + " has no chunk stream any more");
        }
        ChunkStream s = box.open();
        if (s == null) {
            throw new ServingException(Kind.CONFLICT, "session " + sessionId + " already has a reader; one at a time");
        }
        return s;
    }

    @Override
    public ClusterStatus cluster() {
        try {
            return call(this::clusterStatus);
        } catch (ServingException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private ClusterStatus clusterStatus() {
        ClusterState s = state();
        BudgetBounds b = controller.bounds();
        ChunkExecutor exec = effects.executor();
        OffloadStore store = effects.store();
        return new ClusterStatus(controller.placementPolicyName(), controller.autoscalingPolicyName(),
                exec == null ? "" : exec.info().name() + ":" + exec.info().model(), s.budget(), s.gpusReady(), b.min(),
                b.max(), controller.config().sessionsPerGpu(), s.sessionsAlive(), s.sessionsActive(),
                s.sessionsWith(Residency.RESIDENT), s.sessionsWith(Residency.OFFLOADED), s.chunksDelivered(),
                s.migrations(), s.offloads(), s.restores(), controller.rejectedPlanItems(), s.worstChunkLatencyNanos(),
                s.gpuNanos(nowNanos()) / 1_000_000L, store == null ? 0 : store.usedBytes(),
                store == null ? 0 : store.capacityBytes());
    }

    @Override
    public List<GpuStatus> gpus() {
        try {
            return call(() -> state().gpuStatuses(controller.config().sessionsPerGpu()));
        } catch (ServingException e) {
            // Not an empty list: that would read as "none" while the controller cannot answer.
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public List<String> policies(PolicySlot slot) {
        return (slot == PolicySlot.PLACEMENT ? placements.keySet() : autoscalers.keySet()).stream().sorted().toList();
    }

    @Override
    public void selectPolicy(PolicySlot slot, String name) throws ServingException {
        if (slot == null) {
            throw new ServingException(Kind.INVALID, "policy slot must be placement or autoscaling");
        }
        if (!policies(slot).contains(name)) {
            throw new ServingException(Kind.NOT_FOUND, "no " + slot.name().toLowerCase() + " policy '" + name
                    + "' is bound; available: " + policies(slot));
        }
        if (slot == PolicySlot.PLACEMENT) {
            placementName = name;
        } else {
            autoscalingName = name;
        }
        postPolicies();
    }

    @Override
    public SessionStatus offload(String sessionId) throws ServingException {
        return send(new Event.OffloadRequested(sessionId), () -> state().sessionStatus(sessionId));
    }

    @Override
    public SessionStatus migrate(String sessionId, int gpu) throws ServingException {
        return send(new Event.MigrateRequested(sessionId, gpu), () -> state().sessionStatus(sessionId));
    }

    @Override
    public GpuStatus drain(int gpu) throws ServingException {
        return send(new Event.DrainRequested(gpu), () -> {
            for (GpuStatus g : state().gpuStatuses(controller.config().sessionsPerGpu())) {
                if (g.id() == gpu) {
                    return g;
                }
            }
            return new GpuStatus(gpu, io.turboserve.api.GpuState.DRAINING, 0, List.of(), 0, 0, -1, 0);
        });
    }

    @Override
    public ClusterStatus setBudgetBounds(int min, int max) throws ServingException {
        String tooMany = aboveProvisioner(min, max);
        if (tooMany != null) {
            throw new ServingException(Kind.INVALID, tooMany);
        }
        return send(new Event.BoundsChanged(min, max), this::clusterStatus);
    }

    /**
     * @return why a budget of up to {@code max} GPUs cannot be provisioned (more than the bound
     *         provisioner can hold), or null; the controller itself refuses more than
     *         {@link ControllerConfig#MAX_GPUS}
     */
    private String aboveProvisioner(int min, int max) {
        int limit = effects.provisionerLimit();
        if (limit > 0 && max > limit) {
            return "maxBudget " + max + " (minBudget " + min + ") is above the " + limit
                    + " GPUs the provisioner can hold; the budget bounds stay as they were";
        }
        return null;
    }

    // ---------------------------------------------------------------- policies

    private void postPolicies() {
        try {
            actor.execute(this::applyPolicies);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // stopping
        }
    }

    /**
     * On the actor: hands the controller the configured policies. One that is not bound leaves the
     * previous one serving, unless that one's bundle has left too: then a bound policy (the
     * default first) stands in until the configured one is bound again, so that no decision runs
     * the code of a bundle that is gone.
     */
    private void applyPolicies() {
        PlacementPolicy p = placements.get(placementName);
        AutoscalingPolicy a = autoscalers.get(autoscalingName);
        // While bundles start, policies bind one by one: that is waiting, not a problem (a policy
        // still missing once the start-up grace is over is reported by checkPoliciesBound).
        boolean starting = System.nanoTime() - startedNanos < STARTUP_GRACE_NANOS;
        if (p == null) {
            p = standIn(placements, controller.placementPolicy(), "playout-slack");
            LOG.log(placements.isEmpty() || starting ? Level.DEBUG : Level.WARNING,
                    "placement policy ''{0}'' is not bound (bound: {1}); {2} serves until it is", placementName,
                    placements.keySet(), p == null ? "the previous one" : "'" + p.name() + "'");
        }
        if (a == null) {
            a = standIn(autoscalers, controller.autoscalingPolicy(), "forecast");
            LOG.log(autoscalers.isEmpty() || starting ? Level.DEBUG : Level.WARNING,
                    "autoscaling policy ''{0}'' is not bound (bound: {1}); {2} serves until it is", autoscalingName,
                    autoscalers.keySet(), a == null ? "the previous one" : "'" + a.name() + "'");
        }
        for (Event e : List.of(new Event.PlacementPolicyChanged(p), new Event.AutoscalingPolicyChanged(a))) {
            try {
                effects.run(controller.handle(e, nowNanos()));
            } catch (ServingException | RuntimeException refused) {
                LOG.log(Level.WARNING, "event {0} refused: {1}", e, refused.getMessage());
            }
        }
    }

    /** @return a bound policy to use instead of {@code current} when its bundle has left, or null to keep it. */
    private static <P> P standIn(Map<String, P> bound, P current, String preferred) {
        if (current == null || bound.containsValue(current) || bound.isEmpty()) {
            return null;
        }
        P s = bound.get(preferred);
        return s != null ? s : bound.get(new java.util.TreeSet<>(bound.keySet()).first());
    }

    /** After the start-up grace: says so if a configured policy or the executor is still missing. */
    private void checkPoliciesBound() {
        if (!placements.containsKey(placementName)) {
            LOG.log(Level.WARNING, "placement policy ''{0}'' is still not bound (bound: {1}); check placementPolicy "
                    + "in io.turboserve.core.runtime.cfg", placementName, placements.keySet());
        }
        if (!autoscalers.containsKey(autoscalingName)) {
            LOG.log(Level.WARNING, "autoscaling policy ''{0}'' is still not bound (bound: {1}); check autoscalingPolicy "
                    + "in io.turboserve.core.runtime.cfg", autoscalingName, autoscalers.keySet());
        }
        if (effects.executor() == null) {
            LOG.log(Level.WARNING, "no chunk executor is bound yet: sessions wait (is the executor's bundle started, "
                    + "and does Executor.target in io.turboserve.core.runtime.cfg match one?)");
        }
    }

    private static String policyName(Map<String, Object> props, String fallback) {
        Object n = props.get(PlacementPolicy.POLICY_NAME);
        return n == null ? fallback : n.toString();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindPlacement(PlacementPolicy policy, Map<String, Object> props) {
        placements.put(policyName(props, policy.name()), policy);
        if (actor != null) {
            postPolicies();
        }
    }

    void unbindPlacement(PlacementPolicy policy, Map<String, Object> props) {
        placements.remove(policyName(props, policy.name()), policy);
        if (actor != null) {
            postPolicies();
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindAutoscaling(AutoscalingPolicy policy, Map<String, Object> props) {
        autoscalers.put(policyName(props, policy.name()), policy);
        if (actor != null) {
            postPolicies();
        }
    }

    void unbindAutoscaling(AutoscalingPolicy policy, Map<String, Object> props) {
        autoscalers.remove(policyName(props, policy.name()), policy);
        if (actor != null) {
            postPolicies();
        }
    }

    // ---------------------------------------------------------------- mechanisms

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindExecutor(ChunkExecutor executor, Map<String, Object> props) {
        if ("true".equals(String.valueOf(props.get(ChunkExecutor.CONCURRENT_COPIES)))) {
            concurrentCopies.add(executor);
        }
        executors.add(executor);
        if (effects != null && effects.executor() == null) {
            useExecutor(executor);
        }
    }

    void unbindExecutor(ChunkExecutor executor) {
        executors.remove(executor);
        concurrentCopies.remove(executor);
        if (stopped || effects == null || effects.executor() != executor) {
            // Stopping, the runtime ended its sessions and freed their states itself.
            return;
        }
        // Offload the resident state it holds first, while it is still usable, so that a
        // replacement can restore it; then switch.
        post(new Event.EvacuateAll("executor " + executor.info().name() + " is going away"));
        waitWhile(() -> state().anyResidentOrMoving(), 20, "offloading before the executor left");
        try {
            if (call(() -> state().anyResidentOrMoving())) {
                LOG.log(Level.ERROR, "executor {0} left before all its sessions were offloaded; those sessions are ended",
                        executor.info().name());
                call(() -> {
                    effects.run(controller.handle(new Event.ExecutorGone("executor " + executor.info().name()
                            + " left before the state could be offloaded"), nowNanos()));
                    return null;
                });
            }
        } catch (ServingException e) {
            LOG.log(Level.ERROR, "could not end the sessions of the departed executor: " + e.getMessage());
        }
        // Work already queued for the GPUs (frees, late steps) must reach the old executor
        // before it goes: wait for every worker to pass a barrier.
        effects.awaitWorkers(evacuateTimeoutMillis);
        effects.setExecutor(null);
        if (!executors.isEmpty()) {
            useExecutor(executors.get(0));
        }
    }

    /**
     * Polls the controller every {@code pollMillis} while {@code busy} holds, up to the evacuation
     * timeout (a bundle leaving waits here for its mechanisms' work); a failure to ask is logged.
     */
    private void waitWhile(Callable<Boolean> busy, long pollMillis, String what) {
        long deadline = System.nanoTime() + evacuateTimeoutMillis * 1_000_000L;
        try {
            while (System.nanoTime() < deadline && call(busy)) {
                Thread.sleep(pollMillis);
            }
        } catch (ServingException | InterruptedException e) {
            LOG.log(Level.ERROR, what + " did not finish: " + e.getMessage());
        }
    }

    private void useExecutor(ChunkExecutor executor) {
        effects.setExecutor(executor, concurrentCopies.contains(executor));
        LOG.log(Level.INFO, "chunk executor bound: {0}", executor.info());
        try {
            actor.execute(() -> effects.run(controller.executorAvailable(nowNanos())));
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // stopping
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindStore(OffloadStore store) {
        effects.setStore(store);
        post(new Event.StoreBound());
    }

    void unbindStore(OffloadStore store) {
        effects.clearStore(store);
        if (stopped) {
            return;
        }
        // Its slabs close with it, but not before this returns: bring what it holds back to
        // GPUs while its slots can still be read, asking for more GPUs (up to the budget's
        // bound) where those up have no room, then end the sessions whose state found none,
        // saying why, rather than fail their restores forever. A replacement bound before it
        // left (DS binds the new one first) takes the offloads from now on.
        java.util.function.Predicate<io.turboserve.api.offload.HostSlot> held = effects.heldBy(store);
        boolean another = effects.store() != null;
        post(new Event.StoreLeaving("its service is going away", held, another));
        Callable<Boolean> rescuing = () -> state().anyToOrFromHost() || controller.rescueAwaitsGpus();
        waitWhile(rescuing, 10, "bringing offloaded sessions back before the store left");
        try {
            if (call(rescuing)) {
                LOG.log(Level.ERROR, "restores from the departing offload store did not finish within {0} ms",
                        evacuateTimeoutMillis);
            }
        } catch (ServingException e) {
            LOG.log(Level.ERROR, "bringing offloaded sessions back before the store left did not finish: "
                    + e.getMessage());
        }
        post(new Event.StoreGone("the offload store holding it was stopped", held, effects.store() != null));
        // Once the actor has handled what came before (the restores' completions, which give
        // their slots back to this store), the store may close.
        try {
            call(() -> null);
        } catch (ServingException e) {
            LOG.log(Level.WARNING, "the departing store's slots may not all have been given back: " + e.getMessage());
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindProvisioner(GpuProvisioner provisioner) {
        effects.setProvisioner(provisioner);
        try {
            actor.execute(this::fitBoundsToProvisioner);
            actor.execute(() -> effects.run(controller.retryProvisioning(nowNanos())));
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // stopping
        }
    }

    /**
     * Budget bounds configured above what the provisioner can hold (known only once it is bound)
     * are lowered to its limit, with a warning, instead of turning into requests bound to fail.
     */
    private void fitBoundsToProvisioner() {
        BudgetBounds b = controller.bounds();
        BudgetBounds fitted = b == null ? null : fitToProvisioner(b);
        if (fitted != null && !fitted.equals(b)) {
            try {
                effects.run(controller.handle(new Event.BoundsChanged(fitted.min(), fitted.max()), nowNanos()));
            } catch (ServingException e) {
                LOG.log(Level.WARNING, "budget bounds could not be lowered: {0}", e.getMessage());
            }
        }
    }

    /** @return the configured bounds, lowered with a warning to what the provisioner can hold. */
    private BudgetBounds fitToProvisioner(BudgetBounds b) {
        int limit = effects.provisionerLimit();
        if (limit <= 0 || b.max() <= limit) {
            return b;
        }
        BudgetBounds fitted = new BudgetBounds(Math.min(b.min(), limit), limit);
        LOG.log(Level.WARNING, "configured budget bounds {0}..{1} are above the {2} GPUs the provisioner can hold; using {3}..{4}",
                b.min(), b.max(), limit, fitted.min(), fitted.max());
        return fitted;
    }

    void unbindProvisioner(GpuProvisioner provisioner) {
        effects.clearProvisioner(provisioner);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindTransport(MigrationTransport transport, Map<String, Object> props) {
        // The highest service.ranking that supports a pair wins (ties: lowest service.id), whatever
        // the binding order: the in-process transport (-100) must not shadow a real one.
        effects.addTransport(transport, props);
    }

    void updatedTransport(MigrationTransport transport, Map<String, Object> props) {
        effects.addTransport(transport, props);
    }

    void unbindTransport(MigrationTransport transport) {
        effects.removeTransport(transport);
    }
}
