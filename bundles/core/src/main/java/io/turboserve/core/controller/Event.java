package io.turboserve.core.controller;

import io.turboserve.api.SessionSpec;
import io.turboserve.api.StateHandle;
import io.turboserve.api.executor.ChunkOutput;
import io.turboserve.api.offload.HostSlot;
import io.turboserve.api.policy.AutoscalingPolicy;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.provision.GpuInfo;
import java.util.List;

/** Everything that happens to the controller. Completions of effects come back as events. */
public sealed interface Event {

    /** A client opened a session; {@code stateBytes} is its packed state size as the executor said. */
    record SessionCreated(String sessionId, SessionSpec spec, long stateBytes) implements Event {
    }

    /** The user became active. */
    record SessionActivated(String sessionId) implements Event {
    }

    /** The user went idle. */
    record SessionIdled(String sessionId) implements Event {
    }

    /** The session was closed. */
    record SessionClosed(String sessionId) implements Event {
    }

    /** The client read one buffered chunk. */
    record ChunkConsumed(String sessionId) implements Event {
    }

    /** A chunk read by a client that could not take it went back into the session's buffer. */
    record ChunkReturned(String sessionId) implements Event {
    }

    /** A coalesced step finished; {@code outputs} in the order of the step's items. */
    record StepCompleted(int gpu, List<ChunkOutput> outputs, long startedNanos, long finishedNanos) implements Event {
        public StepCompleted {
            outputs = List.copyOf(outputs);
        }
    }

    /** A step failed; when {@code deviceLost} the GPU and what only it held are gone. */
    record StepFailed(int gpu, String reason, boolean deviceLost) implements Event {
    }

    /** A new session's state was created on a GPU. */
    record StateCreated(String sessionId, StateHandle handle) implements Event {
    }

    /** A session's state was copied to a host slot; the controller commits the offload. */
    record OffloadCopied(String sessionId, HostSlot slot, long nanos) implements Event {
    }

    /** A session's state was copied from its host slot into a device allocation; commit the restore. */
    record RestoreCopied(String sessionId, StateHandle handle, long nanos) implements Event {
    }

    /** A migration's copy finished into {@code target}; the controller commits it (epoch + 1). */
    record MigrationCopied(String sessionId, StateHandle target, long nanos) implements Event {
    }

    /**
     * A transfer (create, offload, restore or migration) failed and was rolled back: the source is
     * untouched and authoritative.
     */
    record TransferFailed(String sessionId, Effect.TransferKind kind, String reason, boolean storeFull) implements Event {
    }

    /** A GPU that was asked for is ready. */
    record GpuReady(long requestId, GpuInfo gpu) implements Event {
    }

    /** A GPU could not be provisioned. */
    record ProvisionFailed(long requestId, String reason) implements Event {
    }

    /** A GPU failed. */
    record GpuLost(int gpu, String reason) implements Event {
    }

    /** Periodic: policies run, statistics roll. */
    record Tick() implements Event {
    }

    /** The operator asked to offload a session now. */
    record OffloadRequested(String sessionId) implements Event {
    }

    /** The operator asked to migrate a session now. */
    record MigrateRequested(String sessionId, int gpu) implements Event {
    }

    /** The operator asked to empty and release a GPU. */
    record DrainRequested(int gpu) implements Event {
    }

    /** The operator changed the budget bounds. */
    record BoundsChanged(int min, int max) implements Event {
    }

    /**
     * The placement policy to use changed (selection or hot swap); {@code null} means none is bound
     * and the previous one keeps serving.
     */
    record PlacementPolicyChanged(PlacementPolicy policy) implements Event {
    }

    /** The autoscaling policy to use changed. */
    record AutoscalingPolicyChanged(AutoscalingPolicy policy) implements Event {
    }

    /**
     * The executor is going away: offload every resident state it holds (active sessions included)
     * so that its replacement can restore them.
     */
    record EvacuateAll(String reason) implements Event {
    }

    /**
     * The executor is gone (its evacuation did not finish in time): whatever state is still on a
     * GPU, or moving, is lost with it; those sessions are ended and told why.
     */
    record ExecutorGone(String reason) implements Event {
    }

    /**
     * The offload store went away with the states it held: the sessions offloaded there are ended
     * and told why (their state is gone; nothing to free).
     */
    record StoreGone(String reason, java.util.function.Predicate<HostSlot> held, boolean anotherBound) implements Event {
        /** The only store went: every offloaded state was in it. */
        public StoreGone(String reason) {
            this(reason, slot -> true, false);
        }
    }

    /**
     * The offload store is going away but can still be read: the sessions offloaded there are
     * restored to GPUs that have room, and the budget grows (up to its bound) until every one has
     * room; an idle session then stays resident until a store is back. A {@link StoreGone}
     * afterwards ends those that still found none. Until a {@link StoreBound}, no state is
     * offloaded, unless {@code anotherBound}: another store took its place (a replacement bound
     * before it left), and offloads go there. {@code held} tells the slots of the leaving store.
     */
    record StoreLeaving(String reason, java.util.function.Predicate<HostSlot> held, boolean anotherBound)
            implements Event {
        /** The only store is leaving: every offloaded state is in it. */
        public StoreLeaving(String reason) {
            this(reason, slot -> true, false);
        }
    }

    /** An offload store is bound (again): states may be offloaded. */
    record StoreBound() implements Event {
    }
}
