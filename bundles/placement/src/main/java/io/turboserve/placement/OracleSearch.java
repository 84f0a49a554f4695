package io.turboserve.placement;

import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.GpuView;
import io.turboserve.api.policy.LatencyModel;
import io.turboserve.api.policy.Migration;
import io.turboserve.api.policy.Placement;
import io.turboserve.api.policy.SessionView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Exhaustive branch-and-bound search for the plan that minimises {@code L + η·Σκ} on one snapshot,
 * under the rules the controller validates plans by. See {@link #run()} for the model and the
 * search; {@link OraclePlacement} is the policy around it.
 */
final class OracleSearch {
    private static final double EPS = 1e-6;

    private final int gpus;
    private final int[] gpuIds;
    private final boolean[] ready;
    private final long[][] lat;
    /** Per variable: the GPU index it is resident on, or -1 for a session to place. */
    private final int[] stay;
    private final double[] cost;
    private final long[] kappa;
    /** Variables with the same group number are interchangeable: their codes must not decrease. */
    private final int[] group;
    /** Per GPU: the previous member of its class of interchangeable empty GPUs, or -1. */
    private final int[] classPrev;
    private final List<SessionView> vars = new ArrayList<>();
    private final Map<Integer, Integer> index = new HashMap<>();
    private final int unplacedFixed;
    private final long maxNodes;

    private final int[] active;
    private final int[] free;
    private final int[] remStay;
    private final int[] code;
    private int freeTotal;
    private int remainingToPlace;
    private double spent;

    private double bestObj = Double.POSITIVE_INFINITY;
    private int[] bestCode;
    private long nodes;
    private boolean aborted;

    OracleSearch(ClusterSnapshot snapshot, double eta, long maxNodes) {
        this.maxNodes = maxNodes;
        LatencyModel model = snapshot.latency();
        List<GpuView> gv = snapshot.gpus();
        gpus = gv.size();
        gpuIds = new int[gpus];
        ready = new boolean[gpus];
        int[] base = new int[gpus];
        free = new int[gpus];
        int[] slots = new int[gpus];
        for (int i = 0; i < gpus; i++) {
            gpuIds[i] = gv.get(i).id();
            index.put(gpuIds[i], i);
            ready[i] = gv.get(i).acceptsSessions();
            slots[i] = snapshot.occupancy(gpuIds[i]);
            int cap = Math.min(gv.get(i).capacity(), snapshot.sessionsPerGpu());
            free[i] = ready[i] ? Math.max(0, cap - slots[i]) : 0;
            freeTotal += free[i];
        }
        List<SessionView> residents = new ArrayList<>();
        List<SessionView> toPlace = new ArrayList<>();
        for (SessionView s : snapshot.sessions()) {
            int i = indexOf(s.gpu());
            if (s.needsPlacement()) {
                toPlace.add(s);
            } else if (i >= 0 && s.lifecycle() == Lifecycle.ACTIVE && s.occupies(s.gpu())) {
                if (s.residency() == Residency.RESIDENT) {
                    residents.add(s);
                } else {
                    base[i]++; // arriving, not movable: fixed load
                }
            }
        }
        // Moves never free a slot within a decision, so at most freeTotal sessions can be placed;
        // all of them are (fewer would be lexicographically worse), the rest stay unplaced.
        int placeable = Math.min(toPlace.size(), freeTotal);
        unplacedFixed = toPlace.size() - placeable;
        residents.sort(Comparator.comparingInt((SessionView s) -> indexOf(s.gpu()))
                .thenComparing(Comparator.comparingLong(SessionView::stateBytes).reversed()));
        vars.addAll(residents);
        vars.addAll(toPlace.subList(0, placeable));
        int n = vars.size();
        stay = new int[n];
        cost = new double[n];
        kappa = new long[n];
        group = new int[n];
        remStay = new int[gpus];
        for (int v = 0; v < n; v++) {
            SessionView s = vars.get(v);
            stay[v] = v < residents.size() ? indexOf(s.gpu()) : -1;
            kappa[v] = stay[v] < 0 ? 0 : model.migrationNanos(s.stateBytes());
            cost[v] = eta * kappa[v];
            boolean same = v > 0 && stay[v] == stay[v - 1] && kappa[v] == kappa[v - 1];
            group[v] = v == 0 ? 0 : same ? group[v - 1] : group[v - 1] + 1;
            if (stay[v] >= 0) {
                remStay[stay[v]]++;
            }
        }
        remainingToPlace = n - residents.size();
        lat = new long[gpus][];
        for (int i = 0; i < gpus; i++) {
            // The most active sessions GPU i can end with: fixed, its residents, arrivals in its free slots.
            lat[i] = new long[base[i] + remStay[i] + free[i] + 1];
            for (int m = 0; m < lat[i].length; m++) {
                lat[i][m] = model.chunkNanos(gpuIds[i], m);
            }
        }
        classPrev = new int[gpus];
        Arrays.fill(classPrev, -1);
        for (int i = 0; i < gpus; i++) {
            for (int j = i - 1; j >= 0 && classPrev[i] < 0; j--) {
                if (emptyReady(i, slots, base) && emptyReady(j, slots, base) && free[i] == free[j]
                        && Arrays.equals(lat[i], lat[j])) {
                    classPrev[i] = j;
                }
            }
        }
        active = base.clone();
        code = new int[n];
    }

    private boolean emptyReady(int i, int[] slots, int[] base) {
        return ready[i] && slots[i] == 0 && base[i] == 0;
    }

    private int indexOf(int id) {
        Integer i = index.get(id);
        return i == null ? -1 : i;
    }

    int variables() {
        return vars.size();
    }

    /**
     * The model: every active session with a GPU to choose is a variable. A resident one stays
     * (free) or migrates to a ready GPU with a free slot (costing {@code η·κ}, and its source slot
     * stays taken for the decision, as the controller counts it); a session to place goes to a ready
     * GPU with a free slot. Arriving (in-transit) active sessions are fixed load; idle resident
     * ones take slots but no latency. Objective: {@code L + η·Σκ}, with L the largest
     * {@code chunk(g, n_g)} over every GPU.
     *
     * <p>Search: depth first, residents first, then sessions to place. Bound: the objective so far
     * is at least {@code max(L of what is assigned, water-filling of what is not) + η·Σκ spent}:
     * putting the remaining sessions one by one where the next latency is lowest, within what each
     * GPU may still take, is optimal for a min–max of monotone latencies, so it never overestimates.
     * Symmetry breaking: interchangeable sessions (all sessions to place; residents of one GPU with
     * equal κ) take non-decreasing GPU indices, and among identical empty ready GPUs a session may
     * open one only when the one before it in the class is open. The incumbent starts at "stay and
     * place greedily", so the search only looks for better.
     */
    OraclePlacement.Solution run() {
        greedyIncumbent();
        dfs(0);
        List<Placement> placements = new ArrayList<>();
        List<Migration> migrations = new ArrayList<>();
        double migrationNanos = 0;
        int[] count = active.clone();
        for (int v = 0; v < vars.size(); v++) {
            int c = bestCode[v];
            count[c]++;
            if (stay[v] < 0) {
                placements.add(new Placement(vars.get(v).id(), gpuIds[c]));
            } else if (c != stay[v]) {
                migrations.add(new Migration(vars.get(v).id(), gpuIds[stay[v]], gpuIds[c]));
                migrationNanos += kappa[v];
            }
        }
        return new OraclePlacement.Solution(worst(count), migrationNanos, bestObj, unplacedFixed, !aborted, nodes,
                placements, migrations);
    }

    private void greedyIncumbent() {
        int[] count = active.clone();
        int[] left = free.clone();
        int[] c = new int[vars.size()];
        for (int v = 0; v < vars.size(); v++) {
            if (stay[v] >= 0) {
                c[v] = stay[v];
            } else {
                int best = -1;
                for (int i = 0; i < gpus; i++) {
                    if (left[i] > 0 && (best < 0 || lat(i, count[i] + 1) < lat(best, count[best] + 1))) {
                        best = i;
                    }
                }
                c[v] = best;
                left[best]--;
            }
            count[c[v]]++;
        }
        bestObj = worst(count);
        bestCode = c;
    }

    private void dfs(int v) {
        if (++nodes > maxNodes) {
            aborted = true;
            return;
        }
        if (v == vars.size()) {
            double obj = worst(active) + spent;
            if (obj < bestObj - EPS) {
                bestObj = obj;
                bestCode = code.clone();
            }
            return;
        }
        if (lowerBound(v) + spent >= bestObj - EPS) {
            return;
        }
        int lowest = v > 0 && group[v] == group[v - 1] ? code[v - 1] : 0;
        if (stay[v] >= lowest) {
            remStay[stay[v]]--;
            assign(v, stay[v], false);
            remStay[stay[v]]++;
        }
        for (int i = lowest; i < gpus && !aborted; i++) {
            if (i == stay[v] || !ready[i] || free[i] == 0) {
                continue;
            }
            if (classPrev[i] >= 0 && active[classPrev[i]] == 0) {
                continue;
            }
            boolean moving = stay[v] >= 0;
            if (moving && freeTotal - 1 < remainingToPlace) {
                continue; // a migration's slot would leave a session to place without one
            }
            if (moving) {
                remStay[stay[v]]--;
            }
            assign(v, i, true);
            if (moving) {
                remStay[stay[v]]++;
            }
        }
    }

    private void assign(int v, int i, boolean takesSlot) {
        boolean placing = stay[v] < 0;
        code[v] = i;
        active[i]++;
        if (takesSlot) {
            free[i]--;
            freeTotal--;
        }
        if (placing) {
            remainingToPlace--;
        } else if (i != stay[v]) {
            spent += cost[v];
        }
        dfs(v + 1);
        if (placing) {
            remainingToPlace++;
        } else if (i != stay[v]) {
            spent -= cost[v];
        }
        if (takesSlot) {
            free[i]++;
            freeTotal++;
        }
        active[i]--;
    }

    /** Water-filling of the unassigned variables, each GPU taking at most its free slots plus its stayers. */
    private long lowerBound(int v) {
        int[] count = active.clone();
        int[] room = new int[gpus];
        for (int i = 0; i < gpus; i++) {
            room[i] = free[i] + remStay[i];
        }
        for (int r = vars.size() - v; r > 0; r--) {
            int best = -1;
            for (int i = 0; i < gpus; i++) {
                if (room[i] > 0 && (best < 0 || lat(i, count[i] + 1) < lat(best, count[best] + 1))) {
                    best = i;
                }
            }
            count[best]++;
            room[best]--;
        }
        return worst(count);
    }

    private long worst(int[] count) {
        long w = 0;
        for (int i = 0; i < gpus; i++) {
            w = Math.max(w, lat(i, count[i]));
        }
        return w;
    }

    private long lat(int i, int n) {
        return lat[i][Math.min(n, lat[i].length - 1)];
    }
}
