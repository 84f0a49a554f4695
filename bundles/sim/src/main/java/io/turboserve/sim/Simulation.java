package io.turboserve.sim;

import io.turboserve.api.Chunk;
import io.turboserve.api.Residency;
import io.turboserve.api.SessionSpec;
import io.turboserve.api.StateHandle;
import io.turboserve.api.executor.ChunkOutput;
import io.turboserve.api.executor.StepItem;
import io.turboserve.api.offload.HostSlot;
import io.turboserve.api.policy.AutoscalingPolicy;
import io.turboserve.api.policy.BudgetBounds;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.serving.ServingException;
import io.turboserve.core.controller.Controller;
import io.turboserve.core.controller.ControllerConfig;
import io.turboserve.core.controller.Effect;
import io.turboserve.core.controller.Event;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * The discrete-event simulator: the server's own {@link Controller} and policies, a virtual clock,
 * and modelled mechanisms in place of the executor, offload store, transport and provisioner.
 *
 * <p>Every effect the controller returns becomes a future event, exactly as the runtime shell's
 * mechanisms would report it:
 * <ul>
 *   <li>{@code RunStep} of b sessions → {@code StepCompleted} after {@code latency.chunkNanos(gpu, b)}
 *       (one coalesced step; every session in it gets its chunk when it ends);</li>
 *   <li>{@code CreateState} → {@code StateCreated} after {@value #CREATE_STATE_NANOS} ns (allocating
 *       and zeroing a KV cache and encoding the prompt: small next to any step, not zero so that a
 *       new session's first chunk is not free);</li>
 *   <li>{@code Offload}, {@code Restore} → {@code OffloadCopied}, {@code RestoreCopied} after
 *       {@code stateBytes / hostBytesPerSecond}; the offload store is unbounded;</li>
 *   <li>{@code Migrate} → {@code MigrationCopied} after {@code latency.migrationNanos(stateBytes)};</li>
 *   <li>{@code Provision} → {@code GpuReady} after the cold start (ids never reused); with
 *       {@code warmStart}, a decision at time 0 before the workload's first event provisions what
 *       the autoscaler holds with no session, and those GPUs are ready at once;</li>
 *   <li>{@code Deliver} → the client reads the chunk at once ({@code ChunkConsumed} at the same time);</li>
 *   <li>{@code FreeState}, {@code FreeSlot}, {@code Release}, {@code Notice}, {@code EndStream}: bookkeeping.</li>
 * </ul>
 * Events are ordered by (time, sequence). The workload's events and the ticks (every
 * {@code tickNanos}, before the end) are known up front and come first among events at the same
 * time, workload before tick; effects' completions follow in the order they were scheduled. No
 * wall clock enters the simulation, so the same inputs give the same result; the wall clock only
 * measures how long each deciding {@code handle} call took.
 *
 * <p>At the workload's end every open session is closed and the run stops; work still in flight
 * is not counted.
 */
public final class Simulation {
    /** The modelled time to create a new session's state on a GPU: 1 ms. */
    public static final long CREATE_STATE_NANOS = 1_000_000L;
    /** The device memory a simulated GPU offers for session state: an H200's 141 GB. */
    public static final long GPU_MEMORY_BYTES = 141_000_000_000L;
    private static final byte[] EMPTY = new byte[0];

    private final Workload workload;
    private final SimSettings settings;
    private final PlacementPolicy placement;
    private final AutoscalingPolicy autoscaling;
    private final Controller controller;
    private final PriorityQueue<Timed> queue = new PriorityQueue<>();
    private final Map<String, Sess> sessions = new LinkedHashMap<>();
    private final List<String> touched = new ArrayList<>();
    private final long gpuMemory;
    private long seq;
    private long now;
    private long nextAddress = 1;
    private int nextGpuId;

    // Metrics.
    private final LongArray latencies = new LongArray();
    private final LongArray ttfc = new LongArray();
    private final LongArray decisionNanos = new LongArray();
    private final LatencyHistogram histogram = new LatencyHistogram();
    private final List<TimelineSample> timeline = new ArrayList<>();
    private long withinSlo;
    private long latencySum;
    /** The longest step run, the model's chunk time at the load it served (no wait counted). */
    private long worstStep;
    private long migrationWaits;
    private long migrationWaitSum;
    private long migrationWaitMax;
    private long stalls;
    private long activations;
    private long unserved;
    private int active;
    /** The integral of max(min budget, ⌈active / K⌉): the GPU time no policy can go below. */
    private double boundNanos;
    private int unplacedActive;
    private double unplacedNanos;
    private int gpusHeld;
    /** While the warm start's decision runs: its GPUs are ready at once. */
    private boolean provisionWarm;
    private int peakGpus;
    private long migrationNanos;
    private long events;
    private long refused;

    /** A pending event: ordered by time, then by the sequence it was scheduled in. */
    private record Timed(long at, long seq, Event event) implements Comparable<Timed> {
        @Override
        public int compareTo(Timed o) {
            return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
        }
    }

    /** What the simulator tracks per session: the user's side and the playout clock. */
    private static final class Sess {
        boolean active;
        boolean resident;
        boolean awaitingFirst;
        long activatedAt;
        long playoutStart = -1;
        long played;
        /** Migrated while active: its next chunk delivered is its first after the migration. */
        boolean migrated;
    }

    private Simulation(Workload workload, SimSettings settings, PlacementPolicy placement, AutoscalingPolicy autoscaling) {
        this.workload = Objects.requireNonNull(workload, "workload");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.placement = Objects.requireNonNull(placement, "placement");
        this.autoscaling = Objects.requireNonNull(autoscaling, "autoscaling");
        ControllerConfig d = ControllerConfig.defaults();
        // The config's α–β migration figures are read back from the latency model, so that they
        // agree with what the simulator charges (α = cost of 0 bytes; β from the cost of 1 TB).
        long alpha = settings.latency().migrationNanos(0);
        long perTerabyte = settings.latency().migrationNanos(1_000_000_000_000L) - alpha;
        long beta = alpha >= 0 && perTerabyte > 0 ? Math.max(1, Math.round(1e21 / perTerabyte))
                : d.migrationBytesPerSecond();
        ControllerConfig config = new ControllerConfig(settings.sessionsPerGpu(), settings.maxBatch(), d.bufferAhead(),
                new BudgetBounds(settings.minBudget(), settings.maxGpus()), Duration.ofNanos(settings.scaleInHoldNanos()),
                d.demandWindow(), d.demandBins(), d.maxMigrationsInFlight(), Math.max(0, alpha), beta,
                d.provisionRetry(), d.tombstones(), Duration.ofNanos(settings.chunkVideoNanos()));
        this.controller = new Controller(config, settings.latency());
        this.gpuMemory = Math.max(GPU_MEMORY_BYTES, settings.stateBytes() * settings.sessionsPerGpu());
    }

    /**
     * Replays {@code workload} through the controller with these policies.
     *
     * @return the metrics of the run
     */
    public static RunResult run(Workload workload, SimSettings settings, PlacementPolicy placement,
            AutoscalingPolicy autoscaling) {
        return new Simulation(workload, settings, placement, autoscaling).execute();
    }

    private RunResult execute() {
        long wallStart = System.nanoTime();
        // With a warm start, the cluster as it stood before the trace began: what the autoscaler
        // holds with no session yet (decided as the policies arrive, at time 0), ready at once.
        // Later GPUs wait the cold start.
        provisionWarm = settings.warmStart();
        send(new Event.PlacementPolicyChanged(placement), false);
        send(new Event.AutoscalingPolicyChanged(autoscaling), false);
        provisionWarm = false;

        List<TraceEvent> trace = workload.events();
        int cursor = 0;
        long end = workload.durationNanos();
        long tick = settings.tickNanos();
        long nextTick = tick;
        while (true) {
            long tw = cursor < trace.size() ? trace.get(cursor).timeNanos() : Long.MAX_VALUE;
            long tt = nextTick < end ? nextTick : Long.MAX_VALUE;
            Timed head = queue.peek();
            long tq = head != null ? head.at : Long.MAX_VALUE;
            long t = Math.min(tw, Math.min(tt, tq));
            if (t > end || t == Long.MAX_VALUE) {
                break;
            }
            advance(t);
            if (tw == t) {
                lifecycle(trace.get(cursor++));
            } else if (tt == t) {
                send(new Event.Tick(), true);
                sample();
                nextTick += tick;
            } else {
                queue.poll();
                send(head.event, false);
            }
        }
        advance(end);
        // The end of the workload: whoever is still there leaves (not a measured decision).
        for (Map.Entry<String, Sess> e : new ArrayList<>(sessions.entrySet())) {
            if (e.getValue().awaitingFirst) {
                unserved++;
            }
            send(new Event.SessionClosed(e.getKey()), false);
        }
        sessions.clear();
        long wall = System.nanoTime() - wallStart;
        return result(end, wall);
    }

    // ---------------------------------------------------------------- workload events

    private void lifecycle(TraceEvent e) {
        String id = e.sessionId();
        switch (e.type()) {
            case SESSION_ARRIVAL -> {
                SessionSpec spec = new SessionSpec(e.userId(), "sim", id, 0, Map.of());
                if (send(new Event.SessionCreated(id, spec, settings.stateBytes()), true)) {
                    sessions.put(id, new Sess());
                    if (e.activeOnArrival()) {
                        activate(id);
                    }
                }
            }
            case USER_ACTIVE -> activate(id);
            case USER_IDLE -> {
                if (send(new Event.SessionIdled(id), true)) {
                    Sess s = sessions.get(id);
                    if (s != null) {
                        if (s.awaitingFirst) {
                            unserved++;
                            s.awaitingFirst = false;
                        }
                        setActive(s, false);
                    }
                }
            }
            case SESSION_DEPARTURE -> {
                if (send(new Event.SessionClosed(id), true)) {
                    Sess s = sessions.remove(id);
                    if (s != null) {
                        if (s.awaitingFirst) {
                            unserved++;
                        }
                        setActive(s, false);
                        setResident(s, false);
                    }
                }
            }
        }
    }

    private void activate(String id) {
        Sess s = sessions.get(id);
        if (s == null) {
            refused++;
            return;
        }
        // The decision inside handle() may already place it; send() re-reads its residency, and
        // the user's side is marked once the controller has accepted the activation.
        boolean ok = send(new Event.SessionActivated(id), true);
        if (ok) {
            activations++;
            s.awaitingFirst = true;
            s.activatedAt = now;
            setActive(s, true);
        }
    }

    // ---------------------------------------------------------------- the controller

    /**
     * Hands one event to the controller at the current time and carries out its effects.
     *
     * @param timed whether the call is a decision to time (lifecycle events and ticks)
     * @return false when the controller refused the event
     */
    private boolean send(Event event, boolean timed) {
        events++;
        List<Effect> effects;
        try {
            if (timed) {
                long t0 = System.nanoTime();
                effects = controller.handle(event, now);
                decisionNanos.add(System.nanoTime() - t0);
            } else {
                effects = controller.handle(event, now);
            }
        } catch (ServingException e) {
            refused++;
            return false;
        }
        touched.clear();
        String subject = subjectOf(event);
        if (subject != null) {
            touched.add(subject);
        }
        carryOut(effects);
        refreshResidency();
        return true;
    }

    private static String subjectOf(Event e) {
        if (e instanceof Event.StateCreated c) {
            return c.sessionId();
        } else if (e instanceof Event.OffloadCopied o) {
            return o.sessionId();
        } else if (e instanceof Event.RestoreCopied r) {
            return r.sessionId();
        } else if (e instanceof Event.MigrationCopied m) {
            return m.sessionId();
        } else if (e instanceof Event.SessionActivated a) {
            return a.sessionId();
        }
        return null;
    }

    private void carryOut(List<Effect> effects) {
        for (Effect e : effects) {
            if (e instanceof Effect.RunStep r) {
                runStep(r);
            } else if (e instanceof Effect.Deliver d) {
                deliver(d.chunk());
            } else if (e instanceof Effect.CreateState c) {
                touched.add(c.sessionId());
                StateHandle h = new StateHandle(c.sessionId(), c.gpu(), nextAddress++, settings.stateBytes(), 0);
                schedule(CREATE_STATE_NANOS, new Event.StateCreated(c.sessionId(), h));
            } else if (e instanceof Effect.Offload o) {
                touched.add(o.sessionId());
                long d = settings.hostCopyNanos(o.handle().bytes());
                schedule(d, new Event.OffloadCopied(o.sessionId(), new SimSlot(o.sessionId(), o.handle().bytes(),
                        nextAddress++), d));
            } else if (e instanceof Effect.Restore r) {
                touched.add(r.sessionId());
                long d = settings.hostCopyNanos(r.slot().bytes());
                StateHandle h = new StateHandle(r.sessionId(), r.gpu(), nextAddress++, r.slot().bytes(), 0);
                schedule(d, new Event.RestoreCopied(r.sessionId(), h, d));
            } else if (e instanceof Effect.Migrate m) {
                touched.add(m.sessionId());
                Sess moving = sessions.get(m.sessionId());
                if (moving != null && moving.active) {
                    // Started at a chunk boundary: the session's next chunk waits for it.
                    moving.migrated = true;
                }
                long d = settings.latency().migrationNanos(m.source().bytes());
                migrationNanos += d;
                StateHandle h = new StateHandle(m.sessionId(), m.toGpu(), nextAddress++, m.source().bytes(),
                        m.source().epoch());
                schedule(d, new Event.MigrationCopied(m.sessionId(), h, d));
            } else if (e instanceof Effect.Provision p) {
                gpusHeld++;
                peakGpus = Math.max(peakGpus, gpusHeld);
                schedule(provisionWarm ? 0 : settings.coldStartNanos(), new Event.GpuReady(p.requestId(),
                        new io.turboserve.api.provision.GpuInfo(nextGpuId++, "simulated GPU", gpuMemory)));
            } else if (e instanceof Effect.Release) {
                gpusHeld--;
            }
            // FreeState, FreeSlot, EndStream, Notice: nothing to model.
        }
    }

    private void runStep(Effect.RunStep r) {
        List<StepItem> items = r.items();
        List<ChunkOutput> outputs = new ArrayList<>(items.size());
        for (StepItem item : items) {
            outputs.add(new ChunkOutput(item.state().sessionId(), item.chunkIndex(), EMPTY));
        }
        long d = settings.latency().chunkNanos(r.gpu(), items.size());
        worstStep = Math.max(worstStep, d);
        schedule(d, new Event.StepCompleted(r.gpu(), outputs, now, now + d));
    }

    /**
     * A delivered chunk: its latency, and the playout check. Playout starts at the first chunk
     * after an activation; chunk i after it is due at start + i × video length; a later one is a
     * stall (counted per late chunk).
     */
    private void deliver(Chunk c) {
        long lat = c.timings().latencyNanos();
        latencies.add(lat);
        latencySum += lat;
        histogram.add(lat);
        if (lat <= settings.sloNanos()) {
            withinSlo++;
        }
        Sess s = sessions.get(c.sessionId());
        if (s != null && s.migrated) {
            s.migrated = false;
            long wait = c.timings().startedNanos() - c.timings().requestedNanos();
            migrationWaits++;
            migrationWaitSum += wait;
            migrationWaitMax = Math.max(migrationWaitMax, wait);
        }
        if (s != null) {
            if (s.awaitingFirst) {
                s.awaitingFirst = false;
                ttfc.add(now - s.activatedAt);
                s.playoutStart = now;
                s.played = 0;
            } else if (s.playoutStart >= 0) {
                s.played++;
                if (now > s.playoutStart + s.played * settings.chunkVideoNanos()) {
                    stalls++;
                }
            }
        }
        schedule(0, new Event.ChunkConsumed(c.sessionId()));
    }

    private void schedule(long delay, Event e) {
        queue.add(new Timed(now + delay, seq++, e));
    }

    // ---------------------------------------------------------------- unplaced active sessions

    /** Integrates the number of active sessions without a resident state up to {@code t}. */
    private void advance(long t) {
        if (t > now) {
            unplacedNanos += (double) unplacedActive * (t - now);
            int floor = Math.max(settings.minBudget(), (active + settings.sessionsPerGpu() - 1) / settings.sessionsPerGpu());
            boundNanos += (double) floor * (t - now);
            now = t;
        }
    }

    /** Re-reads the residency of the sessions this event or its effects touched. */
    private void refreshResidency() {
        for (int i = 0; i < touched.size(); i++) {
            String id = touched.get(i);
            Sess s = sessions.get(id);
            if (s == null) {
                continue;
            }
            boolean resident;
            try {
                resident = controller.state().sessionStatus(id).residency() == Residency.RESIDENT;
            } catch (ServingException e) {
                resident = false;
            }
            setResident(s, resident);
        }
    }

    private void setActive(Sess s, boolean a) {
        if (s.active == a) {
            return;
        }
        boolean before = s.active && !s.resident;
        s.active = a;
        if (!a) {
            s.migrated = false; // its next chunk, after it returns, waits for its return, not the migration
        }
        active += a ? 1 : -1;
        unplacedActive += (s.active && !s.resident ? 1 : 0) - (before ? 1 : 0);
    }

    private void setResident(Sess s, boolean r) {
        if (s.resident == r) {
            return;
        }
        boolean before = s.active && !s.resident;
        s.resident = r;
        unplacedActive += (s.active && !s.resident ? 1 : 0) - (before ? 1 : 0);
    }

    private void sample() {
        var state = controller.state();
        timeline.add(new TimelineSample(now / 1e9, state.budget(), state.gpusReady(), active, sessions.size(),
                state.migrations(), unplacedActive));
    }

    // ---------------------------------------------------------------- results

    private RunResult result(long end, long wall) {
        long[] lat = latencies.sorted();
        long[] first = ttfc.sorted();
        long[] dec = decisionNanos.sorted();
        var state = controller.state();
        Map<String, String> params = new LinkedHashMap<>();
        params.put("workload", workload.name());
        params.put("workload_description", workload.description());
        params.put("placement", placement.name());
        params.put("autoscaling", autoscaling.name());
        params.putAll(settings.describe());
        return new RunResult(workload.name(), placement.name(), autoscaling.name(), lat.length,
                lat.length == 0 ? 0 : lat[lat.length - 1], worstStep, LongArray.percentile(lat, 0.99), LongArray.percentile(lat, 0.50),
                lat.length == 0 ? 0 : latencySum / lat.length, lat.length == 0 ? Double.NaN : (double) withinSlo / lat.length,
                stalls, LongArray.percentile(first, 0.50), first.length == 0 ? 0 : first[first.length - 1], activations,
                unserved, state.gpuNanos(end) / 1e9, boundNanos / 1e9, peakGpus, state.migrations(), migrationNanos / 1e9,
                migrationWaits == 0 ? 0 : migrationWaitSum / migrationWaits, migrationWaitMax, state.offloads(),
                state.restores(), unplacedNanos / 1e9, dec.length, LongArray.percentile(dec, 0.50),
                LongArray.percentile(dec, 0.99), dec.length == 0 ? 0 : dec[dec.length - 1], end / 1e9, wall, events, refused,
                controller.rejectedPlanItems(), histogram, timeline, params);
    }

    /** A host slot of the unbounded simulated offload store; identity is equality. */
    private static final class SimSlot implements HostSlot {
        private final String sessionId;
        private final long bytes;
        private final long address;

        SimSlot(String sessionId, long bytes, long address) {
            this.sessionId = sessionId;
            this.bytes = bytes;
            this.address = address;
        }

        @Override
        public String sessionId() {
            return sessionId;
        }

        @Override
        public long address() {
            return address;
        }

        @Override
        public long bytes() {
            return bytes;
        }

        @Override
        public void write(long offset, byte[] src, int srcOffset, int length) {
            // The simulator moves no bytes.
        }

        @Override
        public void read(long offset, byte[] dst, int dstOffset, int length) {
            // The simulator moves no bytes.
        }
    }
}
