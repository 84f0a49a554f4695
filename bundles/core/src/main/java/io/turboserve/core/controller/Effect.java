package io.turboserve.core.controller;

import io.turboserve.api.Chunk;
import io.turboserve.api.SessionSpec;
import io.turboserve.api.StateHandle;
import io.turboserve.api.executor.StepItem;
import io.turboserve.api.offload.HostSlot;
import java.util.List;

/** What the controller asks its shell to do. Each long-running effect reports back with an event. */
public sealed interface Effect {

    /** The kinds of state transfer, for {@link Event.TransferFailed}. */
    enum TransferKind {
        CREATE, OFFLOAD, RESTORE, MIGRATE
    }

    /** Run one coalesced step; report {@link Event.StepCompleted} or {@link Event.StepFailed}. */
    record RunStep(int gpu, List<StepItem> items) implements Effect {
        public RunStep {
            items = List.copyOf(items);
        }
    }

    /** Create a new session's state on a GPU; report {@link Event.StateCreated} or a failure. */
    record CreateState(String sessionId, int gpu, SessionSpec spec) implements Effect {
    }

    /** Copy a resident state to a new host slot; report {@link Event.OffloadCopied} or a failure. */
    record Offload(String sessionId, StateHandle handle) implements Effect {
    }

    /** Copy a host slot into a new allocation on {@code gpu}; report {@link Event.RestoreCopied} or a failure. */
    record Restore(String sessionId, HostSlot slot, int gpu) implements Effect {
    }

    /**
     * Prepare (allocate on {@code toGpu}) and copy; report {@link Event.MigrationCopied}, or abort
     * (free the target) and report a failure.
     */
    record Migrate(String sessionId, StateHandle source, int toGpu) implements Effect {
    }

    /** Free a device allocation. */
    record FreeState(StateHandle handle) implements Effect {
    }

    /** Free a host slot. */
    record FreeSlot(HostSlot slot) implements Effect {
    }

    /** Put a chunk on the session's outbound queue. */
    record Deliver(Chunk chunk) implements Effect {
    }

    /** No more chunks will come for this session. */
    record EndStream(String sessionId, String reason) implements Effect {
    }

    /** Ask the provisioner for a GPU; report {@link Event.GpuReady} or {@link Event.ProvisionFailed}. */
    record Provision(long requestId) implements Effect {
    }

    /** Give a GPU back. */
    record Release(int gpu) implements Effect {
    }

    /** Something an operator should read in the log. */
    record Notice(System.Logger.Level level, String message) implements Effect {
    }
}
