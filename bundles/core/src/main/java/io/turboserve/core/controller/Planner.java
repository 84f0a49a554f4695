package io.turboserve.core.controller;

import io.turboserve.api.GpuState;
import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.StateHandle;
import io.turboserve.api.offload.HostSlot;
import io.turboserve.api.policy.Migration;
import io.turboserve.api.policy.Placement;
import io.turboserve.api.policy.Plan;
import io.turboserve.api.serving.ServingException;
import io.turboserve.api.serving.ServingException.Kind;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Validates plans and runs state transfers as transactions. Every transfer puts the session in
 * transit (so no plan moves it again), waits for a chunk boundary if the session is in a running
 * step, and is committed only when its copy has finished: the source stays authoritative until
 * then, and a failure rolls back to it.
 */
final class Planner {
    private final ControllerConfig config;
    private final ClusterState cluster;
    private final BiConsumer<Level, String> notice;
    private List<Effect> out;
    /** Slots taken per GPU, counted once per event and kept up to date as transfers start. */
    private java.util.Map<Integer, long[]> used;
    private long rejected;
    /** The status message of an active session whose slot the placement policy lent. */
    static final String LENT = "offloaded while active: the placement policy lent its slot to a waiting session; "
            + "it comes back to a GPU as soon as a slot is its turn";
    private boolean slotFreed;
    /** The status message of an active session that no GPU has taken yet. */
    static final String WAITING = "active and waiting for a GPU slot: every slot of the GPUs at hand is taken "
            + "(idle sessions leave theirs once the host store has room; more GPUs come as the budget allows)";

    /** Active sessions the decision left without a GPU say so where operators and clients look. */
    void sayWhoWaits() {
        for (SessionRecord s : cluster.sessions.values()) {
            if (s.lifecycle == Lifecycle.ACTIVE && s.transit == null && s.residency != Residency.RESIDENT
                    && s.message.isEmpty()) {
                s.message = WAITING;
            }
        }
    }

    Planner(ControllerConfig config, ClusterState cluster, BiConsumer<Level, String> notice) {
        this.config = config;
        this.cluster = cluster;
        this.notice = notice;
    }

    void bind(List<Effect> effects, long now) {
        this.out = effects;
        this.used = null;
        this.now = now;
    }

    /** The time of the event being handled. */
    private long now;

    /** The first pause after a failed transfer; it doubles with each failure in a row. */
    static final long RETRY_FIRST_NANOS = 250_000_000L;
    /** The longest pause after failed transfers. */
    static final long RETRY_MAX_NANOS = 30_000_000_000L;
    /** The longest pause after transfers that found the host store full. */
    static final long RETRY_MAX_STORE_FULL_NANOS = 5_000_000_000L;

    /** @return why a policy may not move this session yet (a failed transfer's pause), or null. */
    private String pausedAfterFailure(SessionRecord s) {
        return s.transferRetryAt > now ? "its last transfer failed; retried after "
                + (s.transferRetryAt - now) / 1_000_000 + " ms more" : null;
    }

    private int slotsUsed(int gpu) {
        if (used == null) {
            used = cluster.occupancy();
        }
        long[] u = used.get(gpu);
        return u == null ? 0 : (int) u[0];
    }

    long rejected() {
        return rejected;
    }

    /** @return whether a departure freed a GPU slot since the last call (a reason to decide again). */
    boolean takeSlotFreed() {
        boolean f = slotFreed;
        slotFreed = false;
        return f;
    }

    // ---------------------------------------------------------------- plans

    /** Applies a plan item by item; an invalid item is dropped and counted, the rest still apply. */
    void apply(Plan plan) {
        for (String id : plan.offloads()) {
            SessionRecord s = cluster.sessions.get(id);
            String why = s == null || s.departed() ? "unknown or departed session"
                    : !storeBound ? NO_STORE
                    : s.transit != null ? "already in transit"
                    : s.residency != Residency.RESIDENT ? "not resident" : pausedAfterFailure(s);
            if (why != null) {
                reject("offload of " + id, why);
            } else {
                if (s.lifecycle == Lifecycle.ACTIVE && s.message.isEmpty()) {
                    // Only a policy that lends slots parks an active session: say so where operators
                    // look, unless a failure is being reported there.
                    s.message = LENT;
                }
                startOffload(s);
            }
        }
        for (Migration m : plan.migrations()) {
            SessionRecord s = cluster.sessions.get(m.sessionId());
            String why = s == null || s.departed() ? "unknown or departed session"
                    : s.transit != null ? "already in transit"
                    : s.residency != Residency.RESIDENT || s.gpu != m.from() ? "not resident on GPU " + m.from()
                    : migrationsInFlight() >= config.maxMigrationsInFlight() ? "too many migrations in flight"
                    : pausedAfterFailure(s) != null ? pausedAfterFailure(s)
                    : roomOn(m.to());
            if (why != null) {
                reject("migration of " + m.sessionId() + " to GPU " + m.to(), why);
            } else {
                startMigrate(s, m.to());
            }
        }
        for (Placement p : plan.placements()) {
            SessionRecord s = cluster.sessions.get(p.sessionId());
            String why = s == null || s.departed() ? "unknown or departed session"
                    : s.transit != null ? "already in transit"
                    : s.residency == Residency.RESIDENT ? "already resident (use a migration)"
                    : s.lifecycle == Lifecycle.ARRIVED ? "never active"
                    : s.lifecycle == Lifecycle.IDLE && s.residency == Residency.NONE ? "idle without state"
                    : pausedAfterFailure(s) != null ? pausedAfterFailure(s)
                    : roomOn(p.gpu());
            if (why != null) {
                reject("placement of " + p.sessionId() + " on GPU " + p.gpu(), why);
            } else if (s.residency == Residency.OFFLOADED) {
                startRestore(s, p.gpu());
            } else {
                startCreate(s, p.gpu());
            }
        }
    }

    private String roomOn(int gpu) {
        GpuRecord g = cluster.gpus.get(gpu);
        if (g == null) {
            return "no GPU " + gpu;
        }
        if (g.state != GpuState.READY) {
            return "GPU " + gpu + " is " + g.state;
        }
        if (slotsUsed(gpu) >= config.sessionsPerGpu()) {
            return "GPU " + gpu + " is full (" + config.sessionsPerGpu() + " sessions)";
        }
        return null;
    }

    private int migrationsInFlight() {
        int n = 0;
        for (SessionRecord s : cluster.sessions.values()) {
            if (s.transit == Effect.TransferKind.MIGRATE) {
                n++;
            }
        }
        return n;
    }

    private void reject(String what, String why) {
        rejected++;
        notice.accept(Level.DEBUG, "plan item dropped: " + what + ": " + why);
    }

    /**
     * Consolidation before release: sessions on draining GPUs move away, active ones by migration
     * to the emptiest ready GPU, others by offload. Runs after the policy, for what it left.
     */
    void evacuateDraining() {
        for (GpuRecord g : cluster.gpus.values()) {
            if (g.state != GpuState.DRAINING) {
                continue;
            }
            for (SessionRecord s : cluster.sessions.values()) {
                if (s.departed() || s.gpu != g.id || s.residency != Residency.RESIDENT || s.transit != null) {
                    continue;
                }
                if (s.lifecycle != Lifecycle.ACTIVE) {
                    if (storeBound) {
                        startOffload(s);
                    }
                    // Without a store it stays: the GPU drains once a store is back or it leaves.
                    continue;
                }
                int target = emptiestReadyGpu();
                // No room anywhere: the session keeps its GPU (a draining GPU still serves) until a
                // slot frees up; parking an active session in host memory would stall its user.
                if (target >= 0 && migrationsInFlight() < config.maxMigrationsInFlight()) {
                    startMigrate(s, target);
                }
            }
        }
    }

    private int emptiestReadyGpu() {
        int best = -1;
        int bestUsed = Integer.MAX_VALUE;
        for (GpuRecord g : cluster.gpus.values()) {
            int taken = slotsUsed(g.id);
            if (g.state == GpuState.READY && taken < config.sessionsPerGpu() && taken < bestUsed) {
                best = g.id;
                bestUsed = taken;
            }
        }
        return best;
    }

    // ---------------------------------------------------------------- operator requests

    void operatorOffload(SessionRecord s) throws ServingException {
        if (!storeBound) {
            throw new ServingException(Kind.CONFLICT, "cannot offload " + s.id + ": " + NO_STORE);
        }
        if (s.transit != null) {
            throw new ServingException(Kind.CONFLICT, "session " + s.id + " is in transit (" + s.transit + ")");
        }
        if (s.residency != Residency.RESIDENT) {
            throw new ServingException(Kind.CONFLICT, "session " + s.id + " is not on a GPU (" + s.residency + ")");
        }
        startOffload(s);
    }

    void operatorMigrate(SessionRecord s, int gpu) throws ServingException {
        if (s.transit != null) {
            throw new ServingException(Kind.CONFLICT, "session " + s.id + " is in transit (" + s.transit + ")");
        }
        if (s.residency != Residency.RESIDENT) {
            throw new ServingException(Kind.CONFLICT, "session " + s.id + " is not on a GPU (" + s.residency + ")");
        }
        if (s.gpu == gpu) {
            throw new ServingException(Kind.CONFLICT, "session " + s.id + " is already on GPU " + gpu);
        }
        if (!cluster.gpus.containsKey(gpu)) {
            throw new ServingException(Kind.NOT_FOUND, "no GPU " + gpu + "; GPUs: " + cluster.gpus.keySet());
        }
        String why = roomOn(gpu);
        if (why != null) {
            throw new ServingException(Kind.CONFLICT, "cannot migrate " + s.id + ": " + why);
        }
        startMigrate(s, gpu);
    }

    /**
     * Restores every offloaded session that is not moving to the READY GPU with the most room, as
     * long as any has room.
     *
     * @return {restores started, offloaded sessions left without room}
     */
    int[] rescueOffloaded(java.util.function.Predicate<HostSlot> held) {
        int started = 0;
        int left = 0;
        for (SessionRecord s : cluster.sessions.values()) {
            if (!inLeavingStore(s, held)) {
                continue;
            }
            int best = -1;
            int bestUsed = Integer.MAX_VALUE;
            for (GpuRecord g : cluster.gpus.values()) {
                int u = slotsUsed(g.id);
                if (roomOn(g.id) == null && u < bestUsed) {
                    best = g.id;
                    bestUsed = u;
                }
            }
            if (best < 0) {
                left++;
            } else {
                startRestore(s, best);
                started++;
            }
        }
        return new int[] {started, left};
    }

    // ---------------------------------------------------------------- transfers

    void startOffload(SessionRecord s) {
        begin(s, Effect.TransferKind.OFFLOAD, -1, new Effect.Offload(s.id, s.handle));
    }

    void startMigrate(SessionRecord s, int to) {
        begin(s, Effect.TransferKind.MIGRATE, to, new Effect.Migrate(s.id, s.handle, to));
    }

    /** @return whether {@code s} rests, offloaded and not moving, in the store {@code held} tells. */
    static boolean inLeavingStore(SessionRecord s, java.util.function.Predicate<HostSlot> held) {
        return !s.departed() && s.residency == Residency.OFFLOADED && s.transit == null && s.slot != null
                && held.test(s.slot);
    }

    private void startRestore(SessionRecord s, int gpu) {
        begin(s, Effect.TransferKind.RESTORE, gpu, new Effect.Restore(s.id, s.slot, gpu));
    }

    private void startCreate(SessionRecord s, int gpu) {
        begin(s, Effect.TransferKind.CREATE, gpu, new Effect.CreateState(s.id, gpu, s.spec));
    }

    private void begin(SessionRecord s, Effect.TransferKind kind, int target, Effect effect) {
        if (target >= 0 && used != null) {
            used.computeIfAbsent(target, k -> new long[3])[0]++;
        }
        s.transit = kind;
        s.transitTarget = target;
        s.residency = Residency.IN_TRANSIT;
        if (s.inStep) {
            // A state moves only at a chunk boundary: wait for the running step.
            s.deferredTransfer = effect;
        } else {
            out.add(effect);
        }
    }

    /** Called when a step that held {@code s} ends: start a transfer that waited, or finish a departure. */
    void afterStep(SessionRecord s) {
        if (s.deferredTransfer != null) {
            Effect e = s.deferredTransfer;
            s.deferredTransfer = null;
            if (s.departed()) {
                rollback(s);
            } else {
                out.add(e);
            }
        }
        finishDepartureIfQuiescent(s);
    }

    void stateCreated(String id, StateHandle handle) {
        SessionRecord s = cluster.sessions.get(id);
        if (s == null || s.transit != Effect.TransferKind.CREATE || gpuGone(handle.gpu())) {
            out.add(new Effect.FreeState(handle));
            if (s != null && s.transit == Effect.TransferKind.CREATE) {
                rollback(s);
            }
            return;
        }
        s.handle = handle;
        commitResident(s, handle.gpu());
    }

    void offloadCopied(String id, HostSlot slot) {
        SessionRecord s = cluster.sessions.get(id);
        if (s == null || s.transit != Effect.TransferKind.OFFLOAD) {
            out.add(new Effect.FreeSlot(slot));
            return;
        }
        if (s.handle != null) {
            out.add(new Effect.FreeState(s.handle));
        }
        s.handle = null;
        s.slot = slot;
        s.gpu = -1;
        s.residency = Residency.OFFLOADED;
        succeeded(s);
        endTransit(s);
        cluster.offloads++;
    }

    void restoreCopied(String id, StateHandle handle) {
        SessionRecord s = cluster.sessions.get(id);
        if (s == null || s.transit != Effect.TransferKind.RESTORE || gpuGone(handle.gpu())) {
            out.add(new Effect.FreeState(handle));
            if (s != null && s.transit == Effect.TransferKind.RESTORE) {
                rollback(s);
            }
            return;
        }
        out.add(new Effect.FreeSlot(s.slot));
        s.slot = null;
        s.handle = new StateHandle(handle.sessionId(), handle.gpu(), handle.address(), handle.bytes(), s.epoch);
        cluster.restores++;
        commitResident(s, handle.gpu());
    }

    /** The commit of a migration: ownership passes to the target with the next epoch; the source is freed. */
    void migrationCopied(String id, StateHandle target, long nanos) {
        SessionRecord s = cluster.sessions.get(id);
        if (s == null || s.transit != Effect.TransferKind.MIGRATE || s.handle == null || gpuGone(target.gpu())
                || target.epoch() != s.handle.epoch()) {
            out.add(new Effect.FreeState(target));
            if (s != null && s.transit == Effect.TransferKind.MIGRATE) {
                rollback(s);
            }
            return;
        }
        out.add(new Effect.FreeState(s.handle));
        s.handle = target.movedTo(target.gpu(), target.address());
        s.epoch = s.handle.epoch();
        cluster.migrations++;
        commitResident(s, target.gpu());
    }

    void transferFailed(Event.TransferFailed e) {
        SessionRecord s = cluster.sessions.get(e.sessionId());
        if (s == null || s.transit != e.kind()) {
            return;
        }
        // A failure that will recur (a full store, a state the executor cannot take) must not be
        // retried at every decision: the policy's next move of this session waits, 250 ms after the
        // first failure, doubling up to 30 s; one that succeeds ends the pauses.
        // A full store empties as sessions leave or come back, which nothing here sees: its pauses
        // stop at 5 s, so freed room is used soon; the log says the 1st, 2nd, 4th, 8th... failure.
        s.transferFailures++;
        long pause = Math.min(e.storeFull() ? RETRY_MAX_STORE_FULL_NANOS : RETRY_MAX_NANOS,
                RETRY_FIRST_NANOS << Math.min(s.transferFailures - 1, 16));
        s.transferRetryAt = now + pause;
        s.message = e.kind().name().toLowerCase() + " failed: " + e.reason();
        boolean say = Integer.bitCount(s.transferFailures) == 1;
        notice.accept(!say ? Level.DEBUG : e.storeFull() ? Level.WARNING : Level.ERROR, "session " + s.id + ": "
                + s.message + " (" + (s.transferFailures > 1 ? s.transferFailures + " failures in a row; " : "")
                + "next try in " + pause / 1_000_000 + " ms)");
        rollback(s);
    }

    private boolean gpuGone(int gpu) {
        GpuRecord g = cluster.gpus.get(gpu);
        return g == null || g.state == GpuState.LOST;
    }

    private void commitResident(SessionRecord s, int gpu) {
        s.gpu = gpu;
        s.residency = Residency.RESIDENT;
        succeeded(s);
        if (LENT.equals(s.message) || WAITING.equals(s.message)) {
            s.message = "";
        }
        endTransit(s);
        if (evacuating && !s.departed()) {
            // The executor is leaving: a state that arrived on a GPU after the evacuation began
            // follows the others to host memory.
            startOffload(s);
        }
    }

    private boolean evacuating;

    static final String NO_STORE = "no offload store is bound";

    /** False from the store's leaving until one is bound again: no offload is started meanwhile. */
    private boolean storeBound = true;

    void storeBound(boolean value) {
        storeBound = value;
    }

    void evacuating(boolean value) {
        evacuating = value;
    }

    /** Back to the state before the transfer: the source stays authoritative. */
    private void rollback(SessionRecord s) {
        Effect.TransferKind kind = s.transit;
        s.deferredTransfer = null;
        s.residency = switch (kind) {
            case CREATE -> Residency.NONE;
            case RESTORE -> Residency.OFFLOADED;
            case OFFLOAD, MIGRATE -> s.handle != null ? Residency.RESIDENT : Residency.NONE;
        };
        endTransit(s);
    }

    /** A transfer completed: the pauses after earlier failures end, and so does their message. */
    private void succeeded(SessionRecord s) {
        if (s.transferFailures > 0) {
            s.transferFailures = 0;
            s.transferRetryAt = 0;
            if (s.message.contains(" failed: ")) {
                s.message = "";
            }
        }
    }

    private void endTransit(SessionRecord s) {
        s.transit = null;
        s.transitTarget = -1;
        finishDepartureIfQuiescent(s);
    }

    /** Frees what a departed session holds once nothing uses it, and forgets it. */
    void finishDepartureIfQuiescent(SessionRecord s) {
        if (!s.departed() || !s.quiescent()) {
            return;
        }
        if (s.handle != null) {
            out.add(new Effect.FreeState(s.handle));
            s.handle = null;
            slotFreed = true;
        }
        if (s.slot != null) {
            out.add(new Effect.FreeSlot(s.slot));
            s.slot = null;
        }
        s.residency = Residency.NONE;
        s.gpu = -1;
        cluster.remove(s);
    }
}
