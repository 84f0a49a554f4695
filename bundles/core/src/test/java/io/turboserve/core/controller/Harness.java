package io.turboserve.core.controller;

import io.turboserve.api.Chunk;
import io.turboserve.api.SessionSpec;
import io.turboserve.api.StateHandle;
import io.turboserve.api.executor.ChunkOutput;
import io.turboserve.api.executor.StepItem;
import io.turboserve.api.offload.HostSlot;
import io.turboserve.api.policy.AutoscalingPolicy;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.provision.GpuInfo;
import io.turboserve.api.serving.ServingException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Drives a controller with a virtual clock and fake mechanisms that complete after fixed delays,
 * events ordered by (time, sequence): a tiny simulator for behaviour tests. The fake executor keeps
 * each state's next chunk index, so a chunk computed from a wrong or stale state shows up.
 */
final class Harness {
    static final long MS = 1_000_000L;

    record Timed(long at, long seq, Event event) {
    }

    final Controller controller;
    final PriorityQueue<Timed> queue = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
            : Long.compare(a.seq, b.seq));
    final Map<String, List<Chunk>> delivered = new HashMap<>();
    final Map<String, String> ended = new HashMap<>();
    final Map<Long, long[]> deviceStates = new HashMap<>();
    final Map<Long, Integer> deviceGpu = new HashMap<>();
    final Map<HostSlot, long[]> hostSlots = new HashMap<>();
    final Set<Integer> released = new HashSet<>();
    final List<Effect> effects = new ArrayList<>();
    long now;
    long seq;
    long nextAddress = 1;
    int nextGpu;
    long storeCapacity = Long.MAX_VALUE;
    long storeUsed;
    boolean autoConsume = true;
    boolean failMigrations;
    boolean failProvisions;
    long stepNanos = 100 * MS;
    long provisionNanos = MS;

    Harness(ControllerConfig config, PlacementPolicy placement, AutoscalingPolicy autoscaling) {
        controller = new Controller(config, AnalyticLatencyModel.reference(config.sessionsPerGpu()));
        send(new Event.PlacementPolicyChanged(placement));
        send(new Event.AutoscalingPolicyChanged(autoscaling));
    }

    /** Handles an event now; refusals propagate. */
    List<Effect> sendChecked(Event e) throws ServingException {
        List<Effect> out = controller.handle(e, now);
        effects.addAll(out);
        carryOut(out);
        return out;
    }

    List<Effect> send(Event e) {
        try {
            return sendChecked(e);
        } catch (ServingException ex) {
            throw new AssertionError(ex);
        }
    }

    void at(long delay, Event e) {
        queue.add(new Timed(now + delay, seq++, e));
    }

    /** Runs events until {@code until} (virtual nanos). */
    void runUntil(long until) {
        while (!queue.isEmpty() && queue.peek().at <= until) {
            Timed t = queue.poll();
            now = t.at;
            send(t.event);
        }
        now = Math.max(now, until);
    }

    void runFor(long nanos) {
        runUntil(now + nanos);
    }

    String create(String id) {
        send(new Event.SessionCreated(id, new SessionSpec("t", "tiny", "p " + id, 1, Map.of()), 1000));
        return id;
    }

    List<Chunk> chunks(String id) {
        return delivered.getOrDefault(id, List.of());
    }

    private void carryOut(List<Effect> out) {
        for (Effect e : out) {
            if (e instanceof Effect.RunStep s) {
                List<ChunkOutput> outputs = new ArrayList<>();
                for (StepItem item : s.items()) {
                    long[] st = deviceStates.get(item.state().address());
                    if (st == null || st[0] != item.chunkIndex() || deviceGpu.get(item.state().address()) != s.gpu()) {
                        throw new AssertionError("step on a wrong state: " + item);
                    }
                    st[0]++;
                    byte[] payload = ByteBuffer.allocate(16).putLong(item.state().sessionId().hashCode()).putLong(item.chunkIndex()).array();
                    outputs.add(new ChunkOutput(item.state().sessionId(), item.chunkIndex(), payload));
                }
                long started = now;
                at(stepNanos + 10 * MS * (s.items().size() - 1), new Event.StepCompleted(s.gpu(), outputs, started, now + stepNanos));
            } else if (e instanceof Effect.CreateState c) {
                long addr = nextAddress++;
                deviceStates.put(addr, new long[] {0});
                deviceGpu.put(addr, c.gpu());
                at(MS, new Event.StateCreated(c.sessionId(), new StateHandle(c.sessionId(), c.gpu(), addr, 1000, 0)));
            } else if (e instanceof Effect.Offload o) {
                if (storeUsed + o.handle().bytes() > storeCapacity) {
                    at(MS, new Event.TransferFailed(o.sessionId(), Effect.TransferKind.OFFLOAD, "store full", true));
                    continue;
                }
                storeUsed += o.handle().bytes();
                HostSlot slot = new FakeSlot(o.sessionId(), o.handle().bytes());
                hostSlots.put(slot, deviceStates.get(o.handle().address()).clone());
                at(5 * MS, new Event.OffloadCopied(o.sessionId(), slot, 5 * MS));
            } else if (e instanceof Effect.Restore r) {
                long addr = nextAddress++;
                deviceStates.put(addr, hostSlots.get(r.slot()).clone());
                deviceGpu.put(addr, r.gpu());
                at(5 * MS, new Event.RestoreCopied(r.sessionId(), new StateHandle(r.sessionId(), r.gpu(), addr, 1000, 0), 5 * MS));
            } else if (e instanceof Effect.Migrate m) {
                if (failMigrations) {
                    at(MS, new Event.TransferFailed(m.sessionId(), Effect.TransferKind.MIGRATE, "link down", false));
                    continue;
                }
                long addr = nextAddress++;
                deviceStates.put(addr, deviceStates.get(m.source().address()).clone());
                deviceGpu.put(addr, m.toGpu());
                at(2 * MS, new Event.MigrationCopied(m.sessionId(),
                        new StateHandle(m.sessionId(), m.toGpu(), addr, 1000, m.source().epoch()), 2 * MS));
            } else if (e instanceof Effect.FreeState f) {
                if (deviceStates.remove(f.handle().address()) == null) {
                    throw new AssertionError("double free of " + f.handle());
                }
            } else if (e instanceof Effect.FreeSlot f) {
                if (hostSlots.remove(f.slot()) == null) {
                    throw new AssertionError("double free of slot " + f.slot());
                }
                storeUsed -= f.slot().bytes();
            } else if (e instanceof Effect.Deliver d) {
                delivered.computeIfAbsent(d.chunk().sessionId(), k -> new ArrayList<>()).add(d.chunk());
                if (autoConsume) {
                    at(0, new Event.ChunkConsumed(d.chunk().sessionId()));
                }
            } else if (e instanceof Effect.EndStream end) {
                ended.put(end.sessionId(), end.reason());
            } else if (e instanceof Effect.Provision p) {
                if (failProvisions) {
                    at(MS, new Event.ProvisionFailed(p.requestId(), "all fake GPUs are in use"));
                    continue;
                }
                at(provisionNanos, new Event.GpuReady(p.requestId(), new GpuInfo(nextGpu++, "fake", 1L << 30)));
            } else if (e instanceof Effect.Release r) {
                released.add(r.gpu());
            }
        }
    }

    record FakeSlot(String sessionId, long bytes) implements HostSlot {
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

        @Override
        public boolean equals(Object o) {
            return this == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }
}
