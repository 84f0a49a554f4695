package io.turboserve.core.runtime;

import io.turboserve.api.StateHandle;
import io.turboserve.api.executor.ChunkExecutor;
import io.turboserve.api.executor.ExecutorException;
import io.turboserve.api.executor.StepResult;
import io.turboserve.api.offload.HostSlot;
import io.turboserve.api.offload.OffloadStore;
import io.turboserve.api.offload.StoreFullException;
import io.turboserve.api.provision.GpuInfo;
import io.turboserve.api.provision.GpuProvisioner;
import io.turboserve.api.provision.ProvisionException;
import io.turboserve.api.transport.MigrationTransport;
import io.turboserve.api.transport.TransferException;
import io.turboserve.core.controller.Effect;
import io.turboserve.core.controller.Effect.TransferKind;
import io.turboserve.core.controller.Event;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Carries the controller's effects out through the mechanisms. Work for one GPU (its steps, the
 * transfers it is the source or target of) runs on that GPU's own worker thread, so a step and a
 * transfer of the same device never overlap; except that an executor registered with
 * {@link ChunkExecutor#CONCURRENT_COPIES} has its offload and restore copies run on a second,
 * per-GPU copy thread, overlapping the steps (the controller never steps a state in transit).
 * Every completion goes back to the controller as an event. Nothing here decides anything.
 */
final class EffectRunner {
    private static final Logger LOG = System.getLogger(EffectRunner.class.getName());
    /** The controller's notices, under the controller's name so that operators can filter them. */
    private static final Logger CONTROLLER = System.getLogger("io.turboserve.core.controller");

    private final Consumer<Event> post;
    private final Map<String, Outbox> outboxes;
    private final LongSupplier clock;
    private final Map<Integer, ExecutorService> workers = new ConcurrentHashMap<>();
    private final Map<Integer, ExecutorService> copyLanes = new ConcurrentHashMap<>();
    private final ExecutorService provisioning = Executors.newCachedThreadPool(r -> daemon(r, "turboserve-provision"));
    private final RankedTransports transports = new RankedTransports();
    private volatile ChunkExecutor executor;
    private volatile boolean concurrentCopies;
    private volatile OffloadStore store;
    private volatile GpuProvisioner provisioner;

    EffectRunner(Consumer<Event> post, Map<String, Outbox> outboxes, LongSupplier clock) {
        this.post = post;
        this.outboxes = outboxes;
        this.clock = clock;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    ChunkExecutor executor() {
        return executor;
    }

    void setExecutor(ChunkExecutor e) {
        setExecutor(e, false);
    }

    /** @param concurrent whether its offload and restore copies may overlap its steps */
    void setExecutor(ChunkExecutor e, boolean concurrent) {
        concurrentCopies = concurrent;
        executor = e;
    }

    OffloadStore store() {
        return store;
    }

    void setStore(OffloadStore s) {
        store = s;
    }

    void clearStore(OffloadStore s) {
        if (store == s) {
            store = null;
        }
    }

    /** Which store each slot handed out came from, so that a slot goes back to its own. */
    private final Map<HostSlot, OffloadStore> slotOwners = java.util.Collections.synchronizedMap(
            new java.util.IdentityHashMap<>());

    /** @return a test of whether a slot is one of {@code s}'s. */
    java.util.function.Predicate<HostSlot> heldBy(OffloadStore s) {
        return slot -> slotOwners.get(slot) == s;
    }

    void setProvisioner(GpuProvisioner p) {
        provisioner = p;
    }

    /** @return the most GPUs the bound provisioner can hold, or -1 without one (or when it cannot say). */
    int provisionerLimit() {
        GpuProvisioner p = provisioner;
        if (p == null) {
            return -1;
        }
        try {
            int n = p.maxGpus();
            return n > 0 ? n : -1;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    void clearProvisioner(GpuProvisioner p) {
        if (provisioner == p) {
            provisioner = null;
        }
    }

    /** Binds (or re-ranks) a transport; {@code props} are its service properties (ranking, id). */
    void addTransport(MigrationTransport t, Map<String, ?> props) {
        transports.add(t, props);
    }

    void removeTransport(MigrationTransport t) {
        transports.remove(t);
    }

    /** Waits until every GPU worker has run what was queued before this call (or the timeout). */
    void awaitWorkers(long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        List<ExecutorService> all = new java.util.ArrayList<>(workers.values());
        all.addAll(copyLanes.values());
        for (ExecutorService w : all) {
            try {
                w.submit(() -> { }).get(Math.max(1, (deadline - System.nanoTime()) / 1_000_000L),
                        java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
                    | RejectedExecutionException e) {
                LOG.log(Level.WARNING, "a GPU worker did not drain before the executor left: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Stops every lane: work already queued (frees among it) gets up to 2 s in all, then is cut off. */
    void close() {
        provisioning.shutdownNow();
        workers.values().forEach(ExecutorService::shutdown);
        copyLanes.values().forEach(ExecutorService::shutdown);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        try {
            for (ExecutorService lane : allLanes()) {
                lane.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        allLanes().forEach(ExecutorService::shutdownNow);
    }

    private List<ExecutorService> allLanes() {
        List<ExecutorService> all = new ArrayList<>(workers.values());
        all.addAll(copyLanes.values());
        return all;
    }

    private void onGpu(int gpu, Runnable work) {
        onLane(workers, "turboserve-gpu-", gpu, work);
    }

    /** Offload and restore copies: on the GPU's copy thread where the executor allows it, else with its steps. */
    private void copyOnGpu(int gpu, Runnable work) {
        onLane(concurrentCopies ? copyLanes : workers, concurrentCopies ? "turboserve-copy-" : "turboserve-gpu-", gpu,
                work);
    }

    /** Runs {@code work} on GPU {@code gpu}'s single thread of {@code lanes}, created on first use. */
    private static void onLane(Map<Integer, ExecutorService> lanes, String threadName, int gpu, Runnable work) {
        try {
            lanes.computeIfAbsent(gpu, g -> Executors.newSingleThreadExecutor(r -> daemon(r, threadName + g))).execute(work);
        } catch (RejectedExecutionException stopped) {
            // stopping
        }
    }

    /** Carries out effects in order; called on the controller's thread. */
    void run(List<Effect> effects) {
        for (Effect e : effects) {
            try {
                runOne(e);
            } catch (RuntimeException ex) {
                // The controller has committed its side already; one failing mechanism call must
                // not drop the effects after it (a step not started would leave its GPU busy).
                LOG.log(Level.ERROR, "effect " + e + " failed", ex);
            }
        }
    }

    private void runOne(Effect e) {
        if (e instanceof Effect.RunStep s) {
            onGpu(s.gpu(), () -> step(s));
        } else if (e instanceof Effect.CreateState c) {
            onGpu(c.gpu(), () -> create(c));
        } else if (e instanceof Effect.Offload o) {
            copyOnGpu(o.handle().gpu(), () -> offload(o));
        } else if (e instanceof Effect.Restore r) {
            copyOnGpu(r.gpu(), () -> restore(r));
        } else if (e instanceof Effect.Migrate m) {
            onGpu(m.source().gpu(), () -> migrate(m));
        } else if (e instanceof Effect.FreeState f) {
            ChunkExecutor exec = executor;
            if (exec != null) {
                onGpu(f.handle().gpu(), () -> exec.free(f.handle()));
            }
        } else if (e instanceof Effect.FreeSlot f) {
            freeSlot(f.slot());
        } else if (e instanceof Effect.Deliver d) {
            Outbox box = outboxes.get(d.chunk().sessionId());
            if (box != null) {
                box.add(d.chunk());
            }
        } else if (e instanceof Effect.EndStream end) {
            // The session is gone: an open reader keeps its own reference and drains what is
            // left; nobody can open a new one, so the map must not keep it.
            Outbox box = outboxes.remove(end.sessionId());
            if (box != null) {
                box.end(end.reason());
            }
        } else if (e instanceof Effect.Provision p) {
            provision(p.requestId());
        } else if (e instanceof Effect.Release r) {
            GpuProvisioner prov = provisioner;
            if (prov != null) {
                prov.release(r.gpu());
            }
        } else if (e instanceof Effect.Notice n) {
            CONTROLLER.log(n.level(), n.message());
        }
    }

    /**
     * Frees a slot in the store it came from, bound or leaving (its slots can be read and freed
     * until its unbind returns, and a replacement may be bound already).
     */
    private void freeSlot(HostSlot slot) {
        OffloadStore owner = slotOwners.remove(slot);
        if (owner != null) {
            try {
                owner.free(slot);
            } catch (RuntimeException closing) {
                LOG.log(Level.DEBUG, "freeing a slot of a store that is closing: " + closing);
            }
        }
    }

    private void step(Effect.RunStep s) {
        ChunkExecutor exec = executor;
        if (exec == null) {
            post.accept(new Event.StepFailed(s.gpu(), "no executor is bound", false));
            return;
        }
        long start = clock.getAsLong();
        try {
            StepResult r = exec.step(s.gpu(), s.items());
            post.accept(new Event.StepCompleted(s.gpu(), r.outputs(), start, clock.getAsLong()));
        } catch (ExecutorException e) {
            post.accept(new Event.StepFailed(s.gpu(), e.getMessage(), e.kind() == ExecutorException.Kind.DEVICE_LOST));
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "executor failed a step on GPU " + s.gpu(), e);
            post.accept(new Event.StepFailed(s.gpu(), String.valueOf(e), false));
        }
    }

    private void create(Effect.CreateState c) {
        ChunkExecutor exec = executor;
        try {
            requireExecutor(exec);
            post.accept(new Event.StateCreated(c.sessionId(), exec.create(c.gpu(), c.sessionId(), c.spec())));
        } catch (ExecutorException | RuntimeException e) {
            failed(c.sessionId(), TransferKind.CREATE, e, false);
        }
    }

    /** Offload: reserve a host slot, copy, and report; the controller commits and frees the device copy. */
    private void offload(Effect.Offload o) {
        ChunkExecutor exec = executor;
        OffloadStore s = store;
        if (s == null) {
            post.accept(new Event.TransferFailed(o.sessionId(), TransferKind.OFFLOAD, "no offload store is bound", true));
            return;
        }
        long start = clock.getAsLong();
        HostSlot slot;
        try {
            slot = s.allocate(o.sessionId(), o.handle().bytes());
            slotOwners.put(slot, s);
        } catch (StoreFullException e) {
            post.accept(new Event.TransferFailed(o.sessionId(), TransferKind.OFFLOAD, e.getMessage(), true));
            return;
        } catch (RuntimeException e) {
            // A store that is closing refuses differently; the state stays where it is either way.
            post.accept(new Event.TransferFailed(o.sessionId(), TransferKind.OFFLOAD, "offload store refused: " + e, true));
            return;
        }
        try {
            requireExecutor(exec);
            exec.copyToHost(o.handle(), slot);
            post.accept(new Event.OffloadCopied(o.sessionId(), slot, clock.getAsLong() - start));
        } catch (ExecutorException | RuntimeException e) {
            freeSlot(slot);
            failed(o.sessionId(), TransferKind.OFFLOAD, e, false);
        }
    }

    /** Restore: allocate on the GPU, copy from the slot, report; the controller commits and frees the slot. */
    private void restore(Effect.Restore r) {
        ChunkExecutor exec = executor;
        long start = clock.getAsLong();
        StateHandle target = null;
        try {
            requireExecutor(exec);
            target = exec.allocate(r.gpu(), r.sessionId(), r.slot().bytes());
            exec.copyFromHost(r.slot(), target);
            post.accept(new Event.RestoreCopied(r.sessionId(), target, clock.getAsLong() - start));
        } catch (ExecutorException | RuntimeException e) {
            if (target != null) {
                exec.free(target);
            }
            failed(r.sessionId(), TransferKind.RESTORE, e, false);
        }
    }

    /**
     * Migration, prepare and copy: allocate on the target (prepare) and copy through the
     * highest-ranked transport that supports the pair. The controller commits (epoch + 1, free the source); on
     * any failure the target is freed here (abort) and the source stays authoritative.
     */
    private void migrate(Effect.Migrate m) {
        ChunkExecutor exec = executor;
        long start = clock.getAsLong();
        StateHandle target = null;
        try {
            requireExecutor(exec);
            MigrationTransport transport = transports.choose(exec, m.source().gpu(), m.toGpu());
            if (transport == null) {
                throw new TransferException("no transport moves state from GPU " + m.source().gpu() + " to GPU " + m.toGpu());
            }
            StateHandle allocated = exec.allocate(m.toGpu(), m.sessionId(), m.source().bytes());
            target = allocated;
            transport.copy(exec, m.source(), allocated);
            post.accept(new Event.MigrationCopied(m.sessionId(),
                    new StateHandle(m.sessionId(), allocated.gpu(), allocated.address(), allocated.bytes(), m.source().epoch()),
                    clock.getAsLong() - start));
        } catch (ExecutorException | TransferException | RuntimeException e) {
            if (target != null) {
                exec.free(target);
            }
            failed(m.sessionId(), TransferKind.MIGRATE, e, false);
        }
    }

    private static void requireExecutor(ChunkExecutor exec) throws ExecutorException {
        if (exec == null) {
            throw new ExecutorException(ExecutorException.Kind.CLOSED, "no executor is bound");
        }
    }

    private void failed(String sessionId, TransferKind kind, Exception e, boolean storeFull) {
        if (e instanceof RuntimeException) {
            LOG.log(Level.ERROR, kind + " of " + sessionId + " failed", e);
        }
        post.accept(new Event.TransferFailed(sessionId, kind, String.valueOf(e.getMessage()), storeFull));
    }

    private void provision(long requestId) {
        GpuProvisioner p = provisioner;
        if (p == null) {
            post.accept(new Event.ProvisionFailed(requestId, "no GPU provisioner is bound"));
            return;
        }
        try {
            provisioning.execute(() -> {
                try {
                    GpuInfo info = p.acquire();
                    post.accept(new Event.GpuReady(requestId, info));
                } catch (ProvisionException | RuntimeException e) {
                    post.accept(new Event.ProvisionFailed(requestId, String.valueOf(e.getMessage())));
                }
            });
        } catch (RejectedExecutionException stopped) {
            // stopping
        }
    }
}
