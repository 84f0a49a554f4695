package io.turboserve.core.controller;

import io.turboserve.api.Chunk;
import io.turboserve.api.ChunkTimings;
import io.turboserve.api.GpuState;
import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.executor.ChunkOutput;
import io.turboserve.api.executor.StepItem;
import io.turboserve.api.policy.AutoscalingPolicy;
import io.turboserve.api.policy.BudgetBounds;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.LatencyModel;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.policy.PolicyState;
import io.turboserve.api.serving.ServingException;
import io.turboserve.api.serving.ServingException.Kind;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The controller: a deterministic state machine, {@code (state, event, now) -> (state', effects)}.
 * It never blocks, never reads a clock and never touches state bytes; the runtime shell (or the
 * simulator) feeds it events in order and carries out the effects it returns. The same events at
 * the same times give the same effects.
 *
 * <p>Not thread-safe: one thread (the shell's actor) calls it.
 */
public final class Controller {
    private final ControllerConfig config;
    private final CalibratedLatencyModel latency;
    private final ClusterState cluster;
    private final ScaleInHold hold;
    private final DemandWindow demand;
    private final Planner planner;
    private BudgetBounds bounds;

    private PlacementPolicy placement;
    private PolicyState placementState = PolicyState.NONE;
    private AutoscalingPolicy autoscaling;
    private PolicyState autoscalingState = PolicyState.NONE;
    private String lastScalingReason = "";

    private long nextProvisionId = 1;
    private long provisionBackoffUntil = Long.MIN_VALUE;
    private boolean executorAvailable = true;

    private List<Effect> out = new ArrayList<>();
    private ClusterSnapshot decisionSnapshot;
    private boolean rearmed;
    /** The step size the placement policy asked for last (0: the configured maximum). */
    private int stepBatch;
    private static final long REAL_TIME_WARNING_EVERY = 600_000_000_000L;
    private long realTimeWarnedAt = Long.MIN_VALUE / 2;
    /** Whether a lost GPU is still held because a transfer targets it (checked after each event). */
    private boolean lostGpusHeld;

    /**
     * @param config the settings
     * @param prior  the latency model to start from; it is calibrated online from measured steps
     */
    public Controller(ControllerConfig config, LatencyModel prior) {
        this.config = config;
        this.bounds = config.bounds();
        this.latency = new CalibratedLatencyModel(prior, config.maxBatch());
        this.cluster = new ClusterState(config.tombstones());
        this.hold = new ScaleInHold(config.scaleInHold().toNanos());
        this.demand = new DemandWindow(config.demandWindow().toNanos(), config.demandBins());
        this.planner = new Planner(config, cluster, this::notice);
    }

    /**
     * Handles one event.
     *
     * @return the effects to carry out, in order
     * @throws ServingException when a client or operator request is invalid; nothing changed then
     */
    public List<Effect> handle(Event event, long now) throws ServingException {
        out = new ArrayList<>();
        planner.bind(out, now);
        boolean decide = dispatch(event, now);
        if (lostGpusHeld) {
            releaseLostGpus(now);
        }
        if (decide || planner.takeSlotFreed()) {
            decide(now);
        }
        // A read chunk changes nothing to schedule unless it re-armed a paused session.
        if (!(event instanceof Event.ChunkConsumed || event instanceof Event.ChunkReturned) || rearmed) {
            schedule(now);
        }
        rearmed = false;
        List<Effect> result = out;
        out = new ArrayList<>();
        return result;
    }

    private boolean dispatch(Event event, long now) throws ServingException {
        if (event instanceof Event.SessionCreated e) {
            cluster.create(e.sessionId(), e.spec(), e.stateBytes(), now);
            demand.transition(now, cluster.activeCount());
            return true;
        } else if (event instanceof Event.SessionActivated e) {
            activate(cluster.requireLive(e.sessionId()), now);
            return true;
        } else if (event instanceof Event.SessionIdled e) {
            idle(cluster.requireLive(e.sessionId()), now);
            return true;
        } else if (event instanceof Event.SessionClosed e) {
            SessionRecord s = cluster.requireLive(e.sessionId());
            depart(s, now, "closed by the client");
            return true;
        } else if (event instanceof Event.ChunkConsumed e) {
            consumed(e.sessionId(), now);
            return false;
        } else if (event instanceof Event.ChunkReturned e) {
            SessionRecord s = cluster.sessions.get(e.sessionId());
            if (s != null && !s.departed()) {
                s.buffered++;
            }
            return false;
        } else if (event instanceof Event.StepCompleted e) {
            stepCompleted(e, now);
            return false;
        } else if (event instanceof Event.StepFailed e) {
            return stepFailed(e, now);
        } else if (event instanceof Event.StateCreated e) {
            planner.stateCreated(e.sessionId(), e.handle());
            return true;
        } else if (event instanceof Event.OffloadCopied e) {
            planner.offloadCopied(e.sessionId(), e.slot());
            if (rescuing != null) {
                // An offload that was under way when the store began to leave may have landed there.
                planner.rescueOffloaded(rescuing);
            }
            return true;
        } else if (event instanceof Event.RestoreCopied e) {
            planner.restoreCopied(e.sessionId(), e.handle());
            return true;
        } else if (event instanceof Event.MigrationCopied e) {
            planner.migrationCopied(e.sessionId(), e.target(), e.nanos());
            return true;
        } else if (event instanceof Event.TransferFailed e) {
            planner.transferFailed(e);
            return !e.storeFull();
        } else if (event instanceof Event.GpuReady e) {
            gpuReady(e, now);
            return true;
        } else if (event instanceof Event.ProvisionFailed e) {
            cluster.pendingProvisions.remove(e.requestId());
            if (cluster.unwantedProvisions.remove(e.requestId())) {
                // Nobody wanted it any more: no reason to hold back the next request.
                notice(Level.INFO, "a GPU request given up by a scale-in failed: " + e.reason());
                return false;
            }
            provisionBackoffUntil = now + config.provisionRetry().toNanos();
            // Every request of a scale-out fails alike: one warning a minute says so, with the count.
            if (now - lastProvisionWarningAt >= PROVISION_WARNING_EVERY_NANOS || lastProvisionWarningAt == Long.MIN_VALUE) {
                notice(Level.WARNING, "no GPU could be provisioned: " + e.reason() + (provisionFailuresUnsaid > 0
                        ? " (and " + provisionFailuresUnsaid + " more such failures since the last warning)" : ""));
                lastProvisionWarningAt = now;
                provisionFailuresUnsaid = 0;
            } else {
                provisionFailuresUnsaid++;
                notice(Level.DEBUG, "no GPU could be provisioned: " + e.reason());
            }
            return false;
        } else if (event instanceof Event.GpuLost e) {
            gpuLost(e.gpu(), e.reason(), now);
            return true;
        } else if (event instanceof Event.Tick) {
            demand.observe(now, cluster.activeCount());
            return true;
        } else if (event instanceof Event.OffloadRequested e) {
            planner.operatorOffload(cluster.requireLive(e.sessionId()));
            return false;
        } else if (event instanceof Event.MigrateRequested e) {
            planner.operatorMigrate(cluster.requireLive(e.sessionId()), e.gpu());
            return false;
        } else if (event instanceof Event.DrainRequested e) {
            GpuRecord g = cluster.gpus.get(e.gpu());
            if (g == null) {
                throw new ServingException(Kind.NOT_FOUND, "no GPU " + e.gpu() + "; GPUs: " + cluster.gpus.keySet());
            }
            if (g.state == GpuState.READY) {
                g.state = GpuState.DRAINING;
                g.since = now;
                notice(Level.INFO, "GPU " + g.id + " draining at the operator's request");
            }
            // The operator's drain stands even where a scale-in began it: a scale-out does not undo it.
            g.drainingForScaleIn = false;
            return true;
        } else if (event instanceof Event.BoundsChanged e) {
            if (e.max() > ControllerConfig.MAX_GPUS) {
                throw new ServingException(Kind.INVALID, "maxBudget must be at most " + ControllerConfig.MAX_GPUS
                        + ", got " + e.max());
            }
            try {
                bounds = new BudgetBounds(e.min(), e.max());
            } catch (IllegalArgumentException ex) {
                throw new ServingException(Kind.INVALID, ex.getMessage());
            }
            return true;
        } else if (event instanceof Event.PlacementPolicyChanged e) {
            if (e.policy() != null && e.policy() != placement) {
                // A policy reconfigured (same name and class, new settings) keeps what it
                // remembers, such as the slots it is lending; another policy starts afresh.
                boolean same = reconfigured(placement, e.policy(), PlacementPolicy::name);
                placement = e.policy();
                stepBatch = 0;
                if (!same) {
                    placementState = PolicyState.NONE;
                }
                notice(Level.INFO, "placement policy is now " + placement.name() + (same ? " (reconfigured)" : ""));
            }
            return true;
        } else if (event instanceof Event.AutoscalingPolicyChanged e) {
            if (e.policy() != null && e.policy() != autoscaling) {
                boolean same = reconfigured(autoscaling, e.policy(), AutoscalingPolicy::name);
                autoscaling = e.policy();
                if (!same) {
                    autoscalingState = PolicyState.NONE;
                }
                notice(Level.INFO, "autoscaling policy is now " + autoscaling.name() + (same ? " (reconfigured)" : ""));
            }
            return true;
        } else if (event instanceof Event.ExecutorGone e) {
            for (SessionRecord s : new ArrayList<>(cluster.sessions.values())) {
                if (!s.departed() && (s.residency == Residency.RESIDENT || s.residency == Residency.IN_TRANSIT)) {
                    // Its memory went with the executor: nothing to free there, and a late
                    // completion finds no record.
                    s.handle = null;
                    s.inStep = false;
                    s.deferredTransfer = null;
                    s.transit = null;
                    s.transitTarget = -1;
                    if (s.slot != null) {
                        out.add(new Effect.FreeSlot(s.slot));
                        s.slot = null;
                    }
                    depart(s, now, "state lost: " + e.reason());
                }
            }
            for (GpuRecord g : cluster.gpus.values()) {
                g.busy = false;
            }
            return false;
        } else if (event instanceof Event.StoreLeaving e) {
            planner.storeBound(e.anotherBound());
            rescuing = e.held();
            int[] rescue = planner.rescueOffloaded(rescuing);
            if (rescue[0] + rescue[1] > 0) {
                notice(Level.INFO, "the offload store is leaving (" + e.reason() + "): restoring " + rescue[0]
                        + " offloaded session(s) to GPUs" + (rescue[1] == 0 ? ""
                                : "; " + rescue[1] + " find no room yet: " + (cluster.held() < bounds.max()
                                        ? "asking for GPUs for them, up to the budget's bound of " + bounds.max()
                                        : "the budget is at its bound of " + bounds.max() + ", so those that find no"
                                                + " room before the store goes are ended")));
            }
            // The decision grows the budget for those without room (see rescueFloor).
            return rescue[1] > 0;
        } else if (event instanceof Event.StoreGone e) {
            planner.storeBound(e.anotherBound());
            rescuing = null;
            int ended = 0;
            for (SessionRecord s : new ArrayList<>(cluster.sessions.values())) {
                if (Planner.inLeavingStore(s, e.held())) {
                    // Given back to the closing store, which then holds nothing of ours.
                    out.add(new Effect.FreeSlot(s.slot));
                    s.slot = null;
                    depart(s, now, "state lost: " + e.reason());
                    ended++;
                }
            }
            if (ended > 0) {
                notice(Level.WARNING, ended + " offloaded session(s) found no room on a GPU before the offload store"
                        + " left; they are ended (" + e.reason() + ")");
            }
            return true;
        } else if (event instanceof Event.StoreBound) {
            planner.storeBound(true);
            return true;
        } else if (event instanceof Event.EvacuateAll e) {
            executorAvailable = false;
            planner.evacuating(true);
            notice(Level.INFO, "offloading every resident session: " + e.reason());
            for (SessionRecord s : cluster.sessions.values()) {
                if (!s.departed() && s.residency == Residency.RESIDENT && s.transit == null) {
                    planner.startOffload(s);
                }
            }
            return false;
        }
        throw new IllegalArgumentException("unknown event " + event);
    }

    /**
     * Holds placement, steps and provisioning until {@link #executorAvailable} (the runtime starts
     * before its executor is bound: GPUs are local workers of that executor, so asking for them
     * earlier only fails).
     */
    public void awaitExecutor() {
        executorAvailable = false;
    }

    /**
     * Whether the offload store is leaving and sessions it held wait for GPUs asked for them (the
     * runtime holds the store until they are ready, or its evacuation timeout passes).
     */
    public boolean rescueAwaitsGpus() {
        if (rescuing == null || cluster.provisioning() <= 0) {
            return false;
        }
        for (SessionRecord s : cluster.sessions.values()) {
            if (Planner.inLeavingStore(s, rescuing)) {
                return true;
            }
        }
        return false;
    }

    /**
     * While the store leaves, the budget that gives every session it still holds a slot: the
     * serving GPUs, plus enough for those that the free slots on ready GPUs and the GPUs already
     * asked for cannot take.
     */
    private int rescueFloor() {
        int waiting = 0;
        for (SessionRecord s : cluster.sessions.values()) {
            if (Planner.inLeavingStore(s, rescuing)) {
                waiting++;
            }
        }
        int k = config.sessionsPerGpu();
        Map<Integer, long[]> use = cluster.occupancy();
        long room = (long) cluster.provisioning() * k;
        for (GpuRecord g : cluster.gpus.values()) {
            if (g.state == GpuState.READY) {
                room += Math.max(0, k - use.getOrDefault(g.id, new long[1])[0]);
            }
        }
        long shortOf = waiting - room;
        int serving = cluster.servingBudget();
        return shortOf <= 0 ? serving : (int) Math.min(Integer.MAX_VALUE, serving + (shortOf + k - 1) / k);
    }

    /** Marks the executor usable again (a replacement was bound); placement resumes. */
    public List<Effect> executorAvailable(long now) {
        executorAvailable = true;
        planner.evacuating(false);
        return retryProvisioning(now);
    }

    /**
     * The runtime is stopping and its sessions end with it: the frees of every state and host slot
     * they hold that no transfer is using, so that neither the executor's memory nor the store's
     * outlives them (a transfer in flight frees its own when it completes or fails).
     */
    public List<Effect> releaseAll() {
        List<Effect> frees = new ArrayList<>();
        for (SessionRecord s : cluster.sessions.values()) {
            if (s.transit != null) {
                continue;
            }
            if (s.handle != null) {
                frees.add(new Effect.FreeState(s.handle));
                s.handle = null;
            }
            if (s.slot != null) {
                frees.add(new Effect.FreeSlot(s.slot));
                s.slot = null;
            }
        }
        return frees;
    }

    /**
     * @param why what ends the live sessions (the runtime stopping)
     * @return the ids of the sessions known to have ended, with why, then every live session with
     *         {@code why}: what a runtime that replaces this one answers "gone" for (at most the
     *         configured number of tombstones, the latest kept)
     */
    public Map<String, String> endedSessions(String why) {
        Map<String, String> ended = lru(config.tombstones());
        ended.putAll(cluster.tombstones());
        for (SessionRecord s : cluster.sessions.values()) {
            ended.put(s.id, s.departed() ? s.message : "ended: " + why);
        }
        return ended;
    }

    /** Sessions that an earlier runtime ended: a request for one is "gone", with why, not "not found". */
    public void rememberEnded(Map<String, String> ended) {
        cluster.tombstones().putAll(ended);
    }

    /** A mechanism that provisioning needs was bound: ask for GPUs again at once, not after the back-off. */
    public List<Effect> retryProvisioning(long now) {
        provisionBackoffUntil = Long.MIN_VALUE;
        try {
            return handle(new Event.Tick(), now);
        } catch (ServingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- lifecycle

    private void activate(SessionRecord s, long now) throws ServingException {
        if (s.lifecycle == Lifecycle.ACTIVE) {
            throw new ServingException(Kind.CONFLICT, "session " + s.id + " is already active");
        }
        s.lifecycle = Lifecycle.ACTIVE;
        s.lifecycleSince = now;
        s.message = "";
        // Playout starts again with the first chunk of this activity.
        s.playoutStart = -1;
        s.playoutChunks = 0;
        if (s.buffered < config.bufferAhead()) {
            s.chunkRequestedAt = now;
        }
        demand.transition(now, cluster.activeCount());
    }

    private void idle(SessionRecord s, long now) throws ServingException {
        if (s.lifecycle == Lifecycle.ARRIVED) {
            throw new ServingException(Kind.CONFLICT,
                    "session " + s.id + " has never been active; make it active before idle");
        }
        if (s.lifecycle == Lifecycle.IDLE) {
            throw new ServingException(Kind.CONFLICT, "session " + s.id + " is already idle");
        }
        s.lifecycle = Lifecycle.IDLE;
        s.lifecycleSince = now;
        s.chunkRequestedAt = -1;
        if (Planner.LENT.equals(s.message) || Planner.WAITING.equals(s.message)) {
            s.message = ""; // idle, it waits for no slot any more
        }
        demand.transition(now, cluster.activeCount());
    }

    /** Departure from any state frees everything, once no step or transfer holds the session. */
    private void depart(SessionRecord s, long now, String reason) {
        s.lifecycle = Lifecycle.DEPARTED;
        s.lifecycleSince = now;
        s.chunkRequestedAt = -1;
        s.message = reason;
        out.add(new Effect.EndStream(s.id, reason));
        demand.transition(now, cluster.activeCount());
        planner.finishDepartureIfQuiescent(s);
    }

    private void consumed(String id, long now) {
        SessionRecord s = cluster.sessions.get(id);
        if (s == null || s.departed()) {
            return;
        }
        s.buffered = Math.max(0, s.buffered - 1);
        if (s.lifecycle == Lifecycle.ACTIVE && !s.chunkPending() && !s.inStep && s.buffered < config.bufferAhead()) {
            // The pause for a full buffer is the client's, not latency: the request starts now.
            s.chunkRequestedAt = now;
            rearmed = true;
        }
    }

    // ---------------------------------------------------------------- steps

    /** Starts a coalesced step on every serving GPU that is free and has a session with a chunk due. */
    private void schedule(long now) {
        if (!executorAvailable) {
            return;
        }
        // One pass over the sessions, bucketed by GPU: this runs after every event, so it must
        // stay linear in the number of sessions (the simulator replays millions of events).
        Map<Integer, List<SessionRecord>> ready = null;
        for (SessionRecord s : cluster.sessions.values()) {
            if (s.residency == Residency.RESIDENT && s.transit == null && s.lifecycle == Lifecycle.ACTIVE
                    && s.chunkPending() && !s.inStep) {
                GpuRecord g = cluster.gpus.get(s.gpu);
                if (g == null || !g.serving() || g.busy || now < g.backoffUntil) {
                    continue;
                }
                if (ready == null) {
                    ready = new TreeMap<>();
                }
                ready.computeIfAbsent(s.gpu, k -> new ArrayList<>()).add(s);
            }
        }
        if (ready == null) {
            return;
        }
        for (Map.Entry<Integer, List<SessionRecord>> e : ready.entrySet()) {
            List<SessionRecord> list = e.getValue();
            // Oldest request first; arrival order breaks ties (the map iterates in arrival order).
            list.sort(Comparator.comparingLong(s -> s.chunkRequestedAt));
            List<StepItem> items = new ArrayList<>();
            int batch = stepBatch > 0 ? Math.min(stepBatch, config.maxBatch()) : config.maxBatch();
            for (SessionRecord s : list.subList(0, Math.min(list.size(), batch))) {
                s.inStep = true;
                items.add(new StepItem(s.spec, s.handle, s.nextChunk));
            }
            GpuRecord g = cluster.gpus.get(e.getKey());
            g.busy = true;
            g.stepEndsAt = now + latency.chunkNanos(g.id, items.size());
            out.add(new Effect.RunStep(e.getKey(), items));
        }
    }

    private void stepCompleted(Event.StepCompleted e, long now) {
        GpuRecord g = cluster.gpus.get(e.gpu());
        if (g != null) {
            g.busy = false;
            g.steps++;
            g.lastStepNanos = e.finishedNanos() - e.startedNanos();
            g.lastBatch = e.outputs().size();
            latency.observeStep(g.id, e.outputs().size(), g.lastStepNanos);
            warnIfSlowerThanRealTime(g, now);
        }
        int batch = e.outputs().size();
        for (ChunkOutput o : e.outputs()) {
            SessionRecord s = cluster.sessions.get(o.sessionId());
            if (s == null) {
                continue;
            }
            s.inStep = false;
            if (!s.departed() && o.chunkIndex() == s.nextChunk) {
                ChunkTimings t = new ChunkTimings(s.chunkRequestedAt >= 0 ? s.chunkRequestedAt : e.startedNanos(),
                        e.startedNanos(), e.finishedNanos(), batch);
                long lat = t.latencyNanos();
                s.lastLatency = lat;
                s.worstLatency = Math.max(s.worstLatency, lat);
                cluster.worstLatency = Math.max(cluster.worstLatency, lat);
                cluster.chunksDelivered++;
                s.delivered++;
                if (s.lifecycle == Lifecycle.ACTIVE) {
                    if (s.playoutStart < 0) {
                        s.playoutStart = now;
                    }
                    s.playoutChunks++;
                }
                s.nextChunk++;
                s.buffered++;
                out.add(new Effect.Deliver(new Chunk(s.id, o.chunkIndex(), o.payload(), Chunk.crc32cOf(o.payload()), t)));
                // Closed loop: chunk i+1 is requested when chunk i is delivered, unless the
                // client's buffer is full (then when it reads one) or the user went idle.
                s.chunkRequestedAt = s.lifecycle == Lifecycle.ACTIVE && s.buffered < config.bufferAhead() ? now : -1;
            }
            planner.afterStep(s);
        }
        // An executor that returned fewer outputs than items must not pin the others in a step
        // forever: they are out of it, and their chunk is still pending (it is requested again).
        for (SessionRecord s : new ArrayList<>(cluster.sessions.values())) {
            if (s.inStep && s.gpu == e.gpu()) {
                s.inStep = false;
                s.message = "the executor returned no chunk for it in a step on GPU " + e.gpu();
                planner.afterStep(s);
            }
        }
    }

    private boolean stepFailed(Event.StepFailed e, long now) {
        GpuRecord g = cluster.gpus.get(e.gpu());
        // A copy: afterStep may finish a departure, which removes the record.
        for (SessionRecord s : new ArrayList<>(cluster.sessions.values())) {
            if (s.inStep && s.gpu == e.gpu()) {
                s.inStep = false;
                s.message = "step failed on GPU " + e.gpu() + ": " + e.reason();
                planner.afterStep(s);
            }
        }
        if (g == null) {
            return false;
        }
        g.busy = false;
        if (e.deviceLost()) {
            gpuLost(g.id, e.reason(), now);
            return true;
        }
        // Retry after a pause rather than spinning on a failing device.
        g.backoffUntil = now + 1_000_000_000L;
        notice(Level.WARNING, "step failed on GPU " + g.id + " (retrying in 1 s): " + e.reason());
        return false;
    }

    // ---------------------------------------------------------------- GPUs

    private void gpuReady(Event.GpuReady e, long now) {
        Long requestedAt = cluster.pendingProvisions.remove(e.requestId());
        GpuRecord g = new GpuRecord(e.gpu().id(), e.gpu().description(), e.gpu().memoryBytes(),
                requestedAt == null ? now : requestedAt, now);
        if (cluster.gpus.containsKey(g.id)) {
            // Releasing that id would release the GPU in use; the request is dropped instead.
            cluster.unwantedProvisions.remove(e.requestId());
            notice(Level.ERROR, "provisioner handed out GPU " + g.id + " twice; ignoring the duplicate");
            return;
        }
        cluster.gpus.put(g.id, g);
        if (cluster.unwantedProvisions.remove(e.requestId())) {
            // Paid from its request to now, as every GPU is.
            cluster.closeGpu(g, now);
            out.add(new Effect.Release(g.id));
            notice(Level.INFO, "GPU " + g.id + " ready, but the budget fell while it started; releasing it");
            return;
        }
        notice(Level.INFO, "GPU " + g.id + " ready (" + g.description + ")");
        if (rescuing != null) {
            planner.rescueOffloaded(rescuing);
        }
    }

    private void gpuLost(int id, String reason, long now) {
        GpuRecord g = cluster.gpus.get(id);
        if (g == null || g.state == GpuState.LOST) {
            return;
        }
        g.state = GpuState.LOST;
        g.since = now;
        notice(Level.ERROR, "GPU " + id + " lost: " + reason);
        for (SessionRecord s : new ArrayList<>(cluster.sessions.values())) {
            if (!s.departed() && s.gpu == id && (s.residency == Residency.RESIDENT || s.transit == Effect.TransferKind.OFFLOAD
                    || s.transit == Effect.TransferKind.MIGRATE)) {
                // Only what was not yet copied off the GPU is lost; the session is told.
                s.handle = null;
                s.inStep = false;
                // A transfer waiting for the step, or one running from this GPU, will not commit:
                // a late completion finds no record and frees what it made.
                s.deferredTransfer = null;
                s.transit = null;
                s.transitTarget = -1;
                depart(s, now, "state lost: GPU " + id + " failed (" + reason + ")");
            }
        }
        g.busy = false;
        // Released once nothing still targets it: a late completion of a transfer aimed at it must
        // not find the same id handed out again by the provisioner (see releaseLostGpus).
        releaseLostGpus(now);
    }

    /** Releases lost GPUs that no session's state or transfer refers to any more. */
    private void releaseLostGpus(long now) {
        lostGpusHeld = false;
        Map<Integer, long[]> use = null;
        for (GpuRecord g : new ArrayList<>(cluster.gpus.values())) {
            if (g.state != GpuState.LOST) {
                continue;
            }
            if (use == null) {
                use = cluster.occupancy();
            }
            if (!use.containsKey(g.id)) {
                cluster.closeGpu(g, now);
                out.add(new Effect.Release(g.id));
            } else {
                lostGpusHeld = true;
            }
        }
    }

    // ---------------------------------------------------------------- decisions

    /** The scale-in hold: the configured one, unless the autoscaling policy asks for another. */
    private long holdNanos() {
        long configured = config.scaleInHold().toNanos();
        if (autoscaling == null) {
            return configured;
        }
        try {
            java.time.Duration wanted = autoscaling.scaleInHold(config.scaleInHold());
            return wanted == null ? configured : Math.max(0, wanted.toNanos());
        } catch (RuntimeException e) {
            return configured;
        }
    }

    /** Runs the autoscaling and placement policies and applies what they decide. */
    private void decide(long now) {
        if (!executorAvailable) {
            return;
        }
        if (placement == null && autoscaling == null) {
            return;
        }
        decisionSnapshot = null;
        int current = cluster.servingBudget();
        int target = current;
        if (autoscaling != null) {
            ClusterSnapshot snapshot = snapshot(now);
            decisionSnapshot = snapshot;
            try {
                var result = autoscaling.scale(snapshot, this::bottleneckAt, autoscalingState);
                autoscalingState = result.next();
                target = bounds.clamp(result.targetBudget());
                lastScalingReason = result.reason();
            } catch (RuntimeException e) {
                // A faulty (vendor) policy must not stop the server: keep the budget, say why.
                notice(Level.ERROR, "autoscaling policy " + autoscaling.name() + " failed; budget kept: " + e);
            }
        } else {
            target = bounds.clamp(current);
        }
        if (rescuing != null) {
            target = Math.max(target, bounds.clamp(rescueFloor()));
        }
        int budget = hold.apply(now, target, current, holdNanos());
        int effectsBefore = out.size();
        resize(budget, now);
        // The placement policy sees the cluster after the resize; if it changed nothing, the
        // autoscaler's snapshot is that cluster already.
        ClusterSnapshot forPlacement = out.size() == effectsBefore ? decisionSnapshot : null;
        if (placement != null) {
            try {
                var result = placement.plan(forPlacement != null ? forPlacement : snapshot(now), placementState);
                placementState = result.next();
                stepBatch = result.plan().stepBatch();
                planner.apply(result.plan());
            } catch (RuntimeException e) {
                notice(Level.ERROR, "placement policy " + placement.name() + " failed; nothing placed this time: " + e);
            }
        }
        planner.evacuateDraining();
        planner.sayWhoWaits();
        Map<Integer, long[]> use = null;
        for (GpuRecord g : new ArrayList<>(cluster.gpus.values())) {
            if (g.state != GpuState.DRAINING || g.busy) {
                continue;
            }
            if (use == null) {
                use = cluster.occupancy();
            }
            if (!use.containsKey(g.id)) {
                notice(Level.INFO, "GPU " + g.id + " drained; releasing it");
                cluster.closeGpu(g, now);
                out.add(new Effect.Release(g.id));
            }
        }
    }

    /** @return whether {@code next} is {@code current} reconfigured: the same name and class. */
    private static <P> boolean reconfigured(P current, P next, java.util.function.Function<P, String> name) {
        return current != null && current.getClass() == next.getClass() && name.apply(current).equals(name.apply(next));
    }

    /** Provisions up to, or drains down to, {@code budget} serving GPUs. */
    private void resize(int budget, long now) {
        int serving = cluster.servingBudget();
        if (serving < budget) {
            // A GPU draining for a scale-in is ready at hand: keep it rather than pay for another
            // (an operator's drain stands).
            for (GpuRecord g : cluster.gpus.values()) {
                if (serving >= budget) {
                    break;
                }
                if (g.state == GpuState.DRAINING && g.drainingForScaleIn) {
                    g.state = GpuState.READY;
                    g.drainingForScaleIn = false;
                    g.since = now;
                    serving++;
                    notice(Level.INFO, "scaling out: GPU " + g.id + " stops draining and serves again (" + lastScalingReason + ")");
                }
            }
            // GPUs still starting that a scale-in gave up are nearer than new ones: take them back
            // next, the earliest asked for first.
            while (serving < budget && !cluster.unwantedProvisions.isEmpty()) {
                cluster.unwantedProvisions.pollFirst();
                serving++;
            }
            // Never hold more than the budget's bound: a GPU an operator drains is paid until it
            // is released, so its replacement waits for that.
            int room = bounds.max() - cluster.held();
            if (now >= provisionBackoffUntil) {
                for (int i = serving; i < budget && room-- > 0; i++) {
                    long id = nextProvisionId++;
                    cluster.pendingProvisions.put(id, now);
                    out.add(new Effect.Provision(id));
                }
            }
        } else if (serving > budget) {
            // Scale in: first give up GPUs still starting (the last asked for first): they serve
            // nobody yet, so draining a ready GPU instead would give up capacity at hand for
            // capacity a cold start away. They are released as they arrive.
            int givenUp = 0;
            for (Long id : cluster.pendingProvisions.descendingKeySet()) {
                if (serving <= budget) {
                    break;
                }
                if (cluster.unwantedProvisions.add(id)) {
                    serving--;
                    givenUp++;
                }
            }
            if (givenUp > 0) {
                notice(Level.INFO, "scaling in: " + givenUp + " GPU(s) still starting will be released when ready ("
                        + lastScalingReason + ")");
            }
            // Then drain the emptiest ready GPUs (highest id on ties); they are released
            // once consolidated.
            List<GpuRecord> ready = new ArrayList<>();
            for (GpuRecord g : cluster.gpus.values()) {
                if (g.state == GpuState.READY) {
                    ready.add(g);
                }
            }
            Map<Integer, long[]> use = cluster.occupancy();
            ready.sort(Comparator.comparingLong((GpuRecord g) -> use.getOrDefault(g.id, new long[1])[0])
                    .thenComparing(Comparator.comparingInt((GpuRecord g) -> g.id).reversed()));
            // Drain only what the remaining ready GPUs have free slots for: an active session is
            // moved, never parked without a GPU, so consolidation must fit.
            int free = 0;
            for (GpuRecord g : ready) {
                free += Math.max(0, config.sessionsPerGpu() - (int) use.getOrDefault(g.id, new long[1])[0]);
            }
            for (int i = 0; i < serving - budget && i < ready.size(); i++) {
                GpuRecord g = ready.get(i);
                int held = (int) use.getOrDefault(g.id, new long[1])[0];
                int freeHere = config.sessionsPerGpu() - held;
                if (held > free - freeHere) {
                    break;
                }
                free -= config.sessionsPerGpu();
                g.state = GpuState.DRAINING;
                g.drainingForScaleIn = true;
                g.since = now;
                notice(Level.INFO, "scaling in: GPU " + g.id + " draining (" + lastScalingReason + ")");
            }
        }
    }

    /**
     * The bottleneck after the active placement policy places every active session on {@code m}
     * empty GPUs: what the autoscaler weighs against cost.
     */
    long bottleneckAt(int m) {
        // Only the autoscaler asks, inside a decision: its budgets share the decision's snapshot.
        return new Whatif(config, latency, placement).bottleneckAt(decisionSnapshot, m);
    }

    /** @return the snapshot policies would see now. */
    public ClusterSnapshot snapshot(long now) {
        return cluster.snapshot(now, config, bounds, demand.stats(now, cluster.aliveCount(), cluster.activeCount()),
                latency);
    }

    /**
     * A step that serves several sessions and takes longer than the video each of them gets from it
     * means those sessions fall behind their users (stalls) for as long as they are packed so: K or
     * the batch is above what this GPU keeps in real time. Said at most once every 10 minutes.
     */
    private void warnIfSlowerThanRealTime(GpuRecord g, long now) {
        long video = config.chunkVideo().toNanos();
        if (g.lastBatch < 2 || g.lastStepNanos <= video || now - realTimeWarnedAt < REAL_TIME_WARNING_EVERY) {
            return;
        }
        realTimeWarnedAt = now;
        notice(Level.WARNING, String.format(java.util.Locale.ROOT, "GPU %d: a step of %d sessions took %.0f ms, more than "
                + "the %.0f ms of video each gets from it, so sessions packed like this stall; lower sessionsPerGpu or "
                + "maxBatch to what one GPU keeps in real time", g.id, g.lastBatch, g.lastStepNanos / 1e6, video / 1e6));
    }

    /** At most one provisioning-failure warning this often; the others are counted into the next. */
    private static final long PROVISION_WARNING_EVERY_NANOS = 60_000_000_000L;
    private long lastProvisionWarningAt = Long.MIN_VALUE;

    /**
     * Between a store's leaving and its going, which of the sessions' slots are in it (they are
     * being brought to GPUs); null otherwise.
     */
    private java.util.function.Predicate<io.turboserve.api.offload.HostSlot> rescuing;
    private long provisionFailuresUnsaid;

    private void notice(Level level, String message) {
        out.add(new Effect.Notice(level, message));
    }

    // ---------------------------------------------------------------- queries

    /** @return the read-only view of sessions, GPUs and counters, for status queries and metrics. */
    public ClusterState state() {
        return cluster;
    }

    public BudgetBounds bounds() {
        return bounds;
    }

    public ControllerConfig config() {
        return config;
    }

    public CalibratedLatencyModel latency() {
        return latency;
    }

    /** @return the placement policy deciding now, or null before one is set. */
    public PlacementPolicy placementPolicy() {
        return placement;
    }

    /** @return the autoscaling policy deciding now, or null before one is set. */
    public AutoscalingPolicy autoscalingPolicy() {
        return autoscaling;
    }

    public String placementPolicyName() {
        return placement == null ? "" : placement.name();
    }

    public String autoscalingPolicyName() {
        return autoscaling == null ? "" : autoscaling.name();
    }

    public boolean executorIsAvailable() {
        return executorAvailable;
    }

    /** @return the rejected plan items so far. */
    public long rejectedPlanItems() {
        return planner.rejected();
    }

    static <K, V> Map<K, V> lru(int max) {
        return new LinkedHashMap<>(16, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > max;
            }
        };
    }
}
