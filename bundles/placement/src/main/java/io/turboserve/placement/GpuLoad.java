package io.turboserve.placement;

import io.turboserve.api.GpuState;
import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.GpuView;
import io.turboserve.api.policy.LatencyModel;
import io.turboserve.api.policy.SessionView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The load of every GPU while one plan is built, counted the way the controller validates plans.
 *
 * <p>Two counts per GPU, because they answer different questions:
 * <ul>
 * <li><b>slots</b>: sessions whose state takes a slot (resident, arriving, or idle but not yet
 * offloaded). Capacity is checked against this, as {@code Planner.roomOn} does. A migration takes a
 * slot on its target and does <em>not</em> free its source within the decision: the controller
 * counts the source until the copy commits, and an offload likewise frees its slot only when done.</li>
 * <li><b>active</b>: active sessions occupying the GPU, the {@code n} of
 * {@code latency.chunkNanos(g, n)}. Idle resident sessions take a slot but produce no chunks, so
 * they join no coalesced step and add no latency.</li>
 * </ul>
 *
 * <p>Ready GPUs with a free slot are kept ordered by the latency they would have with one more
 * session, then slots used, then id: the head is where a session raises the bottleneck least.
 * Because adding a session never lowers a GPU's latency, the bottleneck after putting one session
 * on {@code g} is {@code max(L, chunk(g, n_g + 1))}, which is monotone in {@code chunk(g, n_g + 1)};
 * so the head also minimises the resulting bottleneck, with ties to the lighter GPU then lower id.
 */
final class GpuLoad {
    private final LatencyModel latency;
    private final int k;
    private final int[] ids;
    private final boolean[] ready;
    private final boolean[] draining;
    private final int[] cap;
    private final int[] slots;
    private final int[] active;
    /** chunk latency per GPU for 0..K active sessions, so a plan calls the model O(G·K) times. */
    private final long[][] table;
    private final Map<Integer, Integer> index = new HashMap<>();
    /** Per GPU: active, resident, movable sessions in snapshot order, candidates for migration. */
    private final List<List<SessionView>> movable = new ArrayList<>();
    private final TreeSet<Integer> open;
    /** Per GPU: how long a newcomer waits for the running step (0 unless step-aware). */
    private final long[] wait;
    private int leaving;

    GpuLoad(ClusterSnapshot snapshot) {
        this(snapshot, false);
    }

    /**
     * @param stepAware whether a GPU's running step counts: a session placed there waits for it to
     *                  end before its first step, so among GPUs the wait is added to the latency the
     *                  newcomer gets (batching-aware placement)
     */
    GpuLoad(ClusterSnapshot snapshot, boolean stepAware) {
        this.latency = snapshot.latency();
        this.k = snapshot.sessionsPerGpu();
        List<GpuView> gpus = snapshot.gpus();
        int n = gpus.size();
        ids = new int[n];
        ready = new boolean[n];
        draining = new boolean[n];
        cap = new int[n];
        slots = new int[n];
        active = new int[n];
        table = new long[n][];
        for (int i = 0; i < n; i++) {
            GpuView g = gpus.get(i);
            ids[i] = g.id();
            ready[i] = g.acceptsSessions();
            draining[i] = g.state() == GpuState.DRAINING;
            cap[i] = Math.min(g.capacity(), k);
            index.put(g.id(), i);
            movable.add(new ArrayList<>(0));
        }
        for (SessionView s : snapshot.sessions()) {
            Integer i = s.gpu() < 0 ? null : index.get(s.gpu());
            if (i == null || !s.occupies(s.gpu())) {
                continue;
            }
            slots[i]++;
            if (s.lifecycle() == Lifecycle.ACTIVE) {
                active[i]++;
                if (s.residency() == Residency.RESIDENT && s.movable()) {
                    movable.get(i).add(s);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            // The controller's own count when the view carries one: it also knows the slot a
            // migration's source keeps, which no session view shows. Counted here otherwise, in
            // the one pass above rather than once per GPU.
            int counted = gpus.get(i).sessions();
            if (counted >= 0) {
                // Slots the view counts that no session shows are sessions leaving by migration
                // (an offload shows at its source), or departed ones not yet freed: taken as
                // migrations in flight, which errs towards fewer moves.
                leaving += Math.max(0, counted - slots[i]);
                slots[i] = counted;
            }
            long[] row = new long[k + 1];
            for (int m = 0; m <= k; m++) {
                row[m] = latency.chunkNanos(ids[i], m);
            }
            table[i] = row;
        }
        wait = new long[n];
        if (stepAware) {
            for (int i = 0; i < n; i++) {
                long end = gpus.get(i).stepEndsAtNanos();
                wait[i] = end < 0 ? 0 : Math.max(0, end - snapshot.nowNanos());
            }
        }
        open = new TreeSet<>(Comparator.comparingLong((Integer i) -> latencyAt(i, active[i] + 1) + wait[i])
                .thenComparingInt(i -> slots[i]).thenComparingInt(i -> ids[i]));
        for (int i = 0; i < n; i++) {
            if (hasRoom(i)) {
                open.add(i);
            }
        }
    }

    int size() {
        return ids.length;
    }

    int id(int i) {
        return ids[i];
    }

    /** @return the index of GPU {@code id}, or -1. */
    int indexOf(int id) {
        Integer i = index.get(id);
        return i == null ? -1 : i;
    }

    /** @return migrations in flight, as far as the GPU views tell (0 when they carry no counts). */
    int migrationsInFlight() {
        return leaving;
    }

    boolean ready(int i) {
        return ready[i];
    }

    boolean draining(int i) {
        return draining[i];
    }

    int active(int i) {
        return active[i];
    }

    int slots(int i) {
        return slots[i];
    }

    List<SessionView> movable(int i) {
        return movable.get(i);
    }

    /** @return ready GPU ids, in snapshot (ascending id) order. */
    List<Integer> readyIds() {
        List<Integer> list = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            if (ready[i]) {
                list.add(ids[i]);
            }
        }
        return list;
    }

    boolean anyDraining() {
        for (boolean d : draining) {
            if (d) {
                return true;
            }
        }
        return false;
    }

    long latencyAt(int i, int sessions) {
        return sessions >= 0 && sessions <= k ? table[i][sessions] : latency.chunkNanos(ids[i], sessions);
    }

    long latency(int i) {
        return latencyAt(i, active[i]);
    }

    /** @return L, the largest predicted chunk latency over every GPU (0 when nothing runs). */
    long bottleneck() {
        long worst = 0;
        for (int i = 0; i < ids.length; i++) {
            worst = Math.max(worst, latency(i));
        }
        return worst;
    }

    private boolean hasRoom(int i) {
        return ready[i] && slots[i] < cap[i];
    }

    /** @return the ready GPU with a free slot where one more session raises L least, or -1. */
    int bestTarget() {
        return open.isEmpty() ? -1 : open.first();
    }

    /** @return as {@link #bestTarget()}, other than GPU index {@code except}. */
    int bestTargetExcept(int except) {
        for (int i : open) {
            if (i != except) {
                return i;
            }
        }
        return -1;
    }

    /** A new or restored session lands on GPU index {@code i}: one slot, one active session. */
    void place(int i) {
        open.remove(i);
        slots[i]++;
        active[i]++;
        reopen(i);
    }

    /** An active session migrates: a slot on the target, the source's slot kept until commit. */
    void move(int from, int to) {
        open.remove(from);
        open.remove(to);
        active[from]--;
        active[to]++;
        slots[to]++;
        reopen(from);
        reopen(to);
    }

    /** Undoes {@link #move(int, int)}, for a rebalancing step found not worth its cost. */
    void unmove(int from, int to) {
        open.remove(from);
        open.remove(to);
        active[from]++;
        active[to]--;
        slots[to]--;
        reopen(from);
        reopen(to);
    }

    private void reopen(int i) {
        if (hasRoom(i)) {
            open.add(i);
        }
    }
}
