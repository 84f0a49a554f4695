package io.turboserve.placement;

import io.turboserve.api.policy.LatencyModel;
import io.turboserve.api.policy.Migration;
import io.turboserve.api.policy.SessionView;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The migrations of one TurboServe decision: first the active sessions of draining GPUs, then
 * min–max rebalancing. Works on the decision's {@link GpuLoad}, after placement, so it sees the
 * slots the new placements took. At most {@code maxMigrations} migrations in flight: those already
 * running (inferred from the GPU views' slot counts) and this decision's; each session moves once.
 */
final class MinMaxRebalancer {
    private final LatencyModel latency;
    private final GpuLoad load;
    private final TurboServePlacement.Settings settings;
    private final List<Migration> migrations = new ArrayList<>();
    private final Set<String> moved = new HashSet<>();
    /** Migrations this decision may add: the bound less those already in flight. */
    private final int budget;

    MinMaxRebalancer(LatencyModel latency, GpuLoad load, TurboServePlacement.Settings settings) {
        this.latency = latency;
        this.load = load;
        this.settings = settings;
        this.budget = Math.max(0, settings.maxMigrations() - load.migrationsInFlight());
    }

    List<Migration> migrations() {
        return List.copyOf(migrations);
    }

    /**
     * Scale-in consolidates before it releases: every active resident session on a draining GPU
     * moves to the ready GPU where it raises the bottleneck least (the placement rule), whatever
     * the gain, since the GPU is going. What does not fit, or exceeds the migration bound, the
     * controller evacuates after the policy.
     */
    void evacuateDraining() {
        for (int b = 0; b < load.size(); b++) {
            if (!load.draining(b)) {
                continue;
            }
            for (SessionView s : load.movable(b)) {
                int h = load.bestTarget();
                if (h < 0 || migrations.size() >= budget) {
                    return;
                }
                load.move(b, h);
                record(s, b, h);
            }
        }
    }

    /**
     * Min–max rebalancing. With L the bottleneck (largest predicted chunk latency over GPUs), a
     * move of session s from the bottleneck GPU b to a GPU h with a free slot gains
     * <pre>
     *   Γ = L − L′ − η·κ(s),   L′ = max(chunk(b, n_b − 1), chunk(h, n_h + 1), L of every other GPU),
     *   κ(s) = latency.migrationNanos(stateBytes(s))   (α + bytes / β)
     * </pre>
     * The best move is applied while {@code Γ > minGain}, for at most {@code rounds} rounds.
     *
     * <p>Γ separates: the source term is the same for every session on b, κ depends only on the
     * session, and L′ only on h through {@code chunk(h, n_h + 1)}. So the best move pairs b's
     * cheapest-to-move session (smallest κ, earlier in snapshot order on ties) with the head of
     * {@link GpuLoad}'s order, without trying every pair.
     *
     * <p>When several GPUs share the bottleneck, no single move lowers L (Γ = −η·κ), yet relieving
     * all of them does. A round then moves one session off each of them, in id order, and applies
     * the set only if its joint gain {@code L − L′ − η·Σκ} exceeds {@code minGain} and it fits in
     * the migration bound. With one bottleneck GPU this is exactly the single-move rule above.
     */
    void rebalance() {
        for (int round = 0; round < settings.rounds(); round++) {
            long before = load.bottleneck();
            if (before == 0) {
                return;
            }
            List<Integer> top = new ArrayList<>();
            for (int i = 0; i < load.size(); i++) {
                if (load.latency(i) == before) {
                    top.add(i);
                }
            }
            if (migrations.size() + top.size() > budget) {
                return;
            }
            List<int[]> steps = new ArrayList<>();
            List<SessionView> sessions = new ArrayList<>();
            double cost = 0;
            boolean complete = true;
            for (int b : top) {
                SessionView s = cheapestMovable(b);
                int h = load.bestTargetExcept(b);
                if (s == null || h < 0) {
                    complete = false;
                    break;
                }
                load.move(b, h);
                steps.add(new int[] {b, h});
                sessions.add(s);
                cost += latency.migrationNanos(s.stateBytes());
            }
            double gain = before - load.bottleneck() - settings.eta() * cost;
            if (!complete || !(gain > settings.minGain().toNanos())) {
                for (int j = steps.size() - 1; j >= 0; j--) {
                    load.unmove(steps.get(j)[0], steps.get(j)[1]);
                }
                return;
            }
            for (int j = 0; j < steps.size(); j++) {
                record(sessions.get(j), steps.get(j)[0], steps.get(j)[1]);
            }
        }
    }

    private SessionView cheapestMovable(int gpu) {
        SessionView best = null;
        long bestCost = Long.MAX_VALUE;
        for (SessionView s : load.movable(gpu)) {
            if (moved.contains(s.id())) {
                continue;
            }
            long k = latency.migrationNanos(s.stateBytes());
            if (k < bestCost) {
                best = s;
                bestCost = k;
            }
        }
        return best;
    }

    private void record(SessionView s, int from, int to) {
        moved.add(s.id());
        migrations.add(new Migration(s.id(), load.id(from), load.id(to)));
    }
}
