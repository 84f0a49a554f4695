package io.turboserve.bench;

import io.turboserve.api.SessionSpec;
import io.turboserve.api.StateHandle;
import io.turboserve.api.policy.AutoscalingPolicy;
import io.turboserve.api.policy.BudgetBounds;
import io.turboserve.api.policy.LatencyModel;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.provision.GpuInfo;
import io.turboserve.api.serving.ServingException;
import io.turboserve.core.controller.Controller;
import io.turboserve.core.controller.ControllerConfig;
import io.turboserve.core.controller.Effect;
import io.turboserve.core.controller.Event;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * A controller brought to a steady state of {@code gpus} ready GPUs and {@code sessions} sessions
 * (about 0.8 × GPUs × K of them active and resident, the rest idle and offloaded), with every
 * transfer and provision completed at once. Steps are left running: a decision does not wait for
 * them. Used by the decision benchmark to time one full decision (snapshot, autoscaling with its
 * bottleneck estimates, placement, validation).
 */
final class ControllerFixture {
    final Controller controller;
    long now = 1_000_000_000L;
    private final Deque<Event> pending = new ArrayDeque<>();
    private int gpuIds;
    private long address;

    ControllerFixture(int gpus, int sessions, PlacementPolicy placement, AutoscalingPolicy autoscaling, LatencyModel latency) {
        ControllerConfig d = ControllerConfig.defaults();
        ControllerConfig config = new ControllerConfig(4, 4, 4, new BudgetBounds(1, gpus), Duration.ofSeconds(5),
                d.demandWindow(), d.demandBins(), d.maxMigrationsInFlight(), d.migrationFixedNanos(),
                d.migrationBytesPerSecond(), d.provisionRetry(), d.tombstones());
        controller = new Controller(config, latency);
        // Sessions first, policies after: one decision then places them all (deciding on each of
        // the 16,000 arrivals would only slow the set-up down).
        int active = Math.min(sessions, (int) (gpus * 4 * 0.8));
        for (int i = 0; i < sessions; i++) {
            String id = "s" + i;
            send(new Event.SessionCreated(id, new SessionSpec("bench", "tiny", "p" + i, i, Map.of()), 256L << 20));
            send(new Event.SessionActivated(id));
            if (i >= active) {
                send(new Event.SessionIdled(id));
            }
        }
        send(new Event.AutoscalingPolicyChanged(autoscaling));
        send(new Event.PlacementPolicyChanged(placement));
        for (int i = 0; i < 3; i++) {
            send(new Event.Tick());
        }
    }

    /** Handles an event and completes every transfer and provision it starts, at once. */
    void send(Event first) {
        pending.add(first);
        while (!pending.isEmpty()) {
            Event e = pending.poll();
            now += 1_000_000L;
            List<Effect> effects;
            try {
                effects = controller.handle(e, now);
            } catch (ServingException ex) {
                throw new IllegalStateException(ex);
            }
            for (Effect effect : effects) {
                complete(effect);
            }
        }
    }

    private void complete(Effect effect) {
        if (effect instanceof Effect.Provision p) {
            pending.add(new Event.GpuReady(p.requestId(), new GpuInfo(gpuIds++, "bench", 1L << 40)));
        } else if (effect instanceof Effect.CreateState c) {
            pending.add(new Event.StateCreated(c.sessionId(), new StateHandle(c.sessionId(), c.gpu(), ++address, 256L << 20, 0)));
        } else if (effect instanceof Effect.Offload o) {
            pending.add(new Event.OffloadCopied(o.sessionId(), new BenchSlot(o.sessionId(), o.handle().bytes()), 0));
        } else if (effect instanceof Effect.Restore r) {
            pending.add(new Event.RestoreCopied(r.sessionId(), new StateHandle(r.sessionId(), r.gpu(), ++address,
                    r.slot().bytes(), 0), 0));
        } else if (effect instanceof Effect.Migrate m) {
            pending.add(new Event.MigrationCopied(m.sessionId(), new StateHandle(m.sessionId(), m.toGpu(), ++address,
                    m.source().bytes(), m.source().epoch()), 0));
        }
    }

    /** One decision, as the controller makes it on a tick; returns the number of effects (a sink for JMH). */
    int decide() {
        now += 1_000_000L;
        try {
            return controller.handle(new Event.Tick(), now).size();
        } catch (ServingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private record BenchSlot(String sessionId, long bytes) implements io.turboserve.api.offload.HostSlot {
        @Override
        public long address() {
            return 0;
        }

        @Override
        public void write(long offset, byte[] src, int srcOffset, int length) {
        }

        @Override
        public void read(long offset, byte[] dst, int dstOffset, int length) {
        }
    }
}
