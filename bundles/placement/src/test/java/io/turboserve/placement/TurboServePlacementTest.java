package io.turboserve.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.GpuState;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.Migration;
import io.turboserve.api.policy.Placement;
import io.turboserve.api.policy.PlacementResult;
import io.turboserve.api.policy.PolicyState;
import io.turboserve.placement.TurboServePlacement.Settings;
import io.turboserve.placement.TurboServePlacement.State;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Policy table for {@code turboserve}, with the reference analytic numbers: per-session chunk
 * latency 63.5 / 121.8 / 182.5 / 245.3 ms for n = 1..4 on a GPU, κ = 8 ms + bytes / 32 GB/s
 * (256 MB: 16 ms, η·κ = 0.35 × 16 = 5.6 ms), minGain 40 ms, K = 4.
 */
class TurboServePlacementTest {
    private static final long SECOND = 1_000_000_000L;
    private final TurboServePlacement policy = new TurboServePlacement();

    /** A state that triggers nothing: the ready GPUs as in the snapshot, rebalanced just now. */
    private static State quiet(ClusterSnapshot snapshot) {
        return new State(snapshot.nowNanos(), new GpuLoad(snapshot).readyIds());
    }

    private static String[] resident(String prefix, int gpu, int count) {
        String[] s = new String[count];
        for (int i = 0; i < count; i++) {
            s[i] = prefix + i + ":ACTIVE:RESIDENT:" + gpu;
        }
        return s;
    }

    @Test
    void placementMinimisesTheBottleneckTiesToTheLighterThenLowerId() {
        // Active per GPU: 2, 1, 1, 3 -> L = 182.5 (GPU 3).
        // x: on 0 -> 182.5, on 1 -> 121.8, on 2 -> 121.8, on 3 -> 245.3; resulting L 182.5 / 182.5 /
        //    182.5 / 245.3: GPUs 0, 1, 2 tie; 1 and 2 are lighter (121.8 < 182.5); lower id: 1.
        // y: now 2, 2, 1, 3: L ties on 0, 1, 2; the lighter is 2 (121.8).
        // z: now 2, 2, 2, 3: all three tie in L, in own latency (182.5) and slots (2): lower id 0.
        // The result 3, 2, 2, 3 has two bottleneck GPUs; relieving both would leave 2, 3, 3, 2
        // (L 182.5): no gain, no migration.
        ClusterSnapshot snap = Snapshots.cluster(4).sessions("a0:ACTIVE:RESIDENT:0", "a1:ACTIVE:RESIDENT:0",
                "b0:ACTIVE:RESIDENT:1", "c0:ACTIVE:RESIDENT:2", "d0:ACTIVE:RESIDENT:3", "d1:ACTIVE:RESIDENT:3",
                "d2:ACTIVE:RESIDENT:3", "x:ACTIVE:NONE:-1", "y:ACTIVE:OFFLOADED:-1", "z:ACTIVE:NONE:-1").build();
        PlacementResult r = policy.plan(snap, PolicyState.NONE);
        assertEquals(List.of(new Placement("x", 1), new Placement("y", 2), new Placement("z", 0)), r.plan().placements());
        assertEquals(List.of(), r.plan().migrations());
    }

    @Test
    void aGpuHoldingAnIdleSessionIsHeavierOnTies() {
        // GPUs 0 and 1 both run one active session (next: 121.8 either way), but GPU 0 also holds
        // an idle session whose offload has not completed: it takes a slot, so 1 is lighter.
        ClusterSnapshot snap = Snapshots.cluster(2).sessions("i:IDLE:RESIDENT:0", "a:ACTIVE:RESIDENT:0",
                "b:ACTIVE:RESIDENT:1", "x:ACTIVE:NONE:-1").build();
        PlacementResult r = policy.plan(snap, quiet(snap));
        assertEquals(List.of(new Placement("x", 1)), r.plan().placements());
        assertEquals(List.of("i"), r.plan().offloads(), "idle resident sessions are offloaded by default");
    }

    @Test
    void placementFollowsTheLatencyModelNotTheSessionCount() {
        // GPU 1 is 3x slower. GPU 0 runs 2, GPU 1 none. x on 0: 182.5; on 1: 3 x 63.5 = 190.5.
        // turboserve picks 0 (L 182.5 < 190.5); least-loaded would pick the emptier GPU 1.
        ClusterSnapshot snap = Snapshots.cluster(2).latency(Snapshots.scaled(new double[] {1, 3}))
                .sessions("a:ACTIVE:RESIDENT:0", "b:ACTIVE:RESIDENT:0", "x:ACTIVE:NONE:-1").build();
        assertEquals(List.of(new Placement("x", 0)), policy.plan(snap, quiet(snap)).plan().placements());
        assertEquals(List.of(new Placement("x", 1)),
                new LeastLoadedPlacement().plan(snap, PolicyState.NONE).plan().placements());
    }

    @Test
    void rebalancingMovesTheCheapestSessionOffAGpuWithFourWhenAnotherHasOne() {
        // GPU 0: 4 sessions (L = 245.3), GPU 1: 1. Moving one leaves 3 and 2: L' = 182.5.
        // s2 holds 128 MB: κ = 8 + 4 = 12 ms, η·κ = 4.2 ms, the cheapest (256 MB: 5.6 ms).
        // Γ = 245.3 − 182.5 − 4.2 = 58.6 ms > 40 ms: move s2. Next round: 3, 2 -> 2, 3 keeps
        // L at 182.5 (Γ = −5.6): stop.
        ClusterSnapshot snap = Snapshots.cluster(2).sessions("s0:ACTIVE:RESIDENT:0", "s1:ACTIVE:RESIDENT:0",
                "s2:ACTIVE:RESIDENT:0:128000000", "s3:ACTIVE:RESIDENT:0", "t0:ACTIVE:RESIDENT:1").build();
        assertEquals(List.of(new Migration("s2", 0, 1)), policy.plan(snap, PolicyState.NONE).plan().migrations());
    }

    @Test
    void rebalancingGainOfTheReferenceExampleClearsMinGain() {
        // All 256 MB: Γ = 245.3 − 182.5 − 0.35 × 16 = 57.2 ms: above 40 ms, below 60 ms.
        ClusterSnapshot snap = Snapshots.cluster(2).sessions(resident("s", 0, 4)).sessions("t0:ACTIVE:RESIDENT:1").build();
        assertEquals(List.of(new Migration("s0", 0, 1)), policy.plan(snap, PolicyState.NONE).plan().migrations());
        TurboServePlacement strict = new TurboServePlacement(Settings.defaults().withMinGain(Duration.ofMillis(60)));
        assertEquals(List.of(), strict.plan(snap, PolicyState.NONE).plan().migrations());
    }

    @Test
    void noMoveWhenMigrationCostEatsTheGain() {
        // 4 GB states: κ = 8 + 4e9 / 32e9 s = 133 ms, η·κ = 46.55 ms. Γ = 62.8 − 46.55 = 16.25 < 40.
        ClusterSnapshot snap = Snapshots.cluster(2).stateBytes(4_000_000_000L).sessions(resident("s", 0, 4))
                .sessions("t0:ACTIVE:RESIDENT:1").build();
        assertEquals(List.of(), policy.plan(snap, PolicyState.NONE).plan().migrations());
    }

    @Test
    void roundsBoundTheMovesOfOneDecision() {
        // GPU 0: 4, GPUs 1 and 2 empty.
        // Round 1: s0 -> 1 (next 63.5 on 1 and 2, equal slots, lower id): 3, 1, 0, Γ = 245.3 − 182.5 − 5.6 = 57.2.
        // Round 2: s1 -> 2 (63.5 < 121.8): 2, 1, 1, Γ = 182.5 − 121.8 − 5.6 = 55.1.
        // Round 3: 2, 1, 1 -> 1, 2, 1 keeps L = 121.8: Γ = −5.6, stop.
        ClusterSnapshot snap = Snapshots.cluster(3).sessions(resident("s", 0, 4)).build();
        assertEquals(List.of(new Migration("s0", 0, 1), new Migration("s1", 0, 2)),
                policy.plan(snap, PolicyState.NONE).plan().migrations());
        TurboServePlacement oneRound = new TurboServePlacement(Settings.defaults().withRounds(1));
        assertEquals(List.of(new Migration("s0", 0, 1)), oneRound.plan(snap, PolicyState.NONE).plan().migrations());
    }

    @Test
    void tiedBottlenecksAreRelievedTogetherWithinTheMigrationBound() {
        // GPUs 0 and 1 hold 4 each, 2 and 3 none. Moving one session alone leaves L = 245.3 on the
        // other GPU (Γ = −5.6); a round moves one off each bottleneck GPU:
        // round 1: s0 -> 2, t0 -> 3: 3, 3, 1, 1, Γ = 245.3 − 182.5 − 2 × 5.6 = 51.6;
        // round 2: s1 -> 2, t1 -> 3: 2, 2, 2, 2, Γ = 182.5 − 121.8 − 11.2 = 49.5;
        // round 3 would need 4 more moves: beyond maxMigrations = 4.
        ClusterSnapshot snap = Snapshots.cluster(4).sessions(resident("s", 0, 4)).sessions(resident("t", 1, 4)).build();
        assertEquals(List.of(new Migration("s0", 0, 2), new Migration("t0", 1, 3), new Migration("s1", 0, 2),
                new Migration("t1", 1, 3)), policy.plan(snap, PolicyState.NONE).plan().migrations());
        // With 3 allowed, round 2's pair does not fit: only round 1.
        TurboServePlacement three = new TurboServePlacement(Settings.defaults().withMaxMigrations(3));
        assertEquals(List.of(new Migration("s0", 0, 2), new Migration("t0", 1, 3)),
                three.plan(snap, PolicyState.NONE).plan().migrations());
    }

    @Test
    void migrationsAlreadyInFlightCountAgainstTheBound() {
        // m is migrating from GPU 1 to GPU 2: its view shows GPU 2, GPU 1's count (2) shows the
        // source slot as well: one migration in flight. Active: 4, 1, 1 (m counts where it lands).
        // Round 1: s0 -> 2 (next 121.8 on 1 and 2; GPU 2 has fewer slots, 1 < 2): 3, 1, 2,
        //          Γ = 245.3 − 182.5 − 5.6 = 57.2.
        // Round 2: s1 -> 1 (121.8 < 182.5): 2, 2, 2, Γ = 182.5 − 121.8 − 5.6 = 55.1.
        // Round 3: three GPUs tie at 121.8: 3 more moves exceed 4 − 1 in flight − 2 made.
        ClusterSnapshot snap = Snapshots.cluster(3).counted(0, 4).counted(1, 2).counted(2, 1)
                .sessions(resident("s", 0, 4)).sessions("t0:ACTIVE:RESIDENT:1", "m:ACTIVE:IN_TRANSIT:2").build();
        assertEquals(List.of(new Migration("s0", 0, 2), new Migration("s1", 0, 1)),
                policy.plan(snap, PolicyState.NONE).plan().migrations());
        // A bound of 2 leaves room for one more; a bound of 1 is used up by m.
        assertEquals(List.of(new Migration("s0", 0, 2)), new TurboServePlacement(Settings.defaults().withMaxMigrations(2))
                .plan(snap, PolicyState.NONE).plan().migrations());
        assertEquals(List.of(), new TurboServePlacement(Settings.defaults().withMaxMigrations(1))
                .plan(snap, PolicyState.NONE).plan().migrations());
    }

    @Test
    void threeTiedBottlenecksThatCannotAllBeRelievedMoveNothing() {
        // 4, 4, 4, 1: relieving GPUs 0 and 1 fills GPU 3 to 3; GPU 2's session would make it 4:
        // L' = 245.3, Γ < 0. Single moves would only waste migrations.
        ClusterSnapshot snap = Snapshots.cluster(4).sessions(resident("a", 0, 4)).sessions(resident("b", 1, 4))
                .sessions(resident("c", 2, 4)).sessions("d0:ACTIVE:RESIDENT:3").build();
        assertEquals(List.of(), policy.plan(snap, PolicyState.NONE).plan().migrations());
    }

    @Test
    void periodicRebalanceRunsOnlyAfterThePeriod() {
        // Γ = 57.2 ms would move s0, but the last rebalance was at 0 and the ready GPUs are unchanged.
        String[] sessions = {"s0:ACTIVE:RESIDENT:0", "s1:ACTIVE:RESIDENT:0", "s2:ACTIVE:RESIDENT:0",
            "s3:ACTIVE:RESIDENT:0", "t0:ACTIVE:RESIDENT:1"};
        State last = new State(0, List.of(0, 1));
        PlacementResult early = policy.plan(Snapshots.cluster(2).now(10 * SECOND - 1).sessions(sessions).build(), last);
        assertEquals(List.of(), early.plan().migrations());
        assertEquals(last, early.next(), "not rebalanced: the time of the last rebalance is kept");
        PlacementResult due = policy.plan(Snapshots.cluster(2).now(10 * SECOND).sessions(sessions).build(), last);
        assertEquals(List.of(new Migration("s0", 0, 1)), due.plan().migrations());
        assertEquals(new State(10 * SECOND, List.of(0, 1)), due.next());
    }

    @Test
    void scaleOutRebalancesAtOnceOntoTheNewGpu() {
        // GPU 1 just became ready (the state saw only GPU 0, rebalanced 1 s ago): spread at once.
        // 4, 0 -> 3, 1 (Γ = 57.2) -> 2, 2 (Γ = 182.5 − 121.8 − 5.6 = 55.1) -> 1, 3 no gain.
        ClusterSnapshot snap = Snapshots.cluster(2).now(5 * SECOND).sessions(resident("s", 0, 4)).build();
        PlacementResult r = policy.plan(snap, new State(4 * SECOND, List.of(0)));
        assertEquals(List.of(new Migration("s0", 0, 1), new Migration("s1", 0, 1)), r.plan().migrations());
        assertEquals(new State(5 * SECOND, List.of(0, 1)), r.next());
        // The same snapshot with nothing changed and the period not elapsed: no move.
        assertEquals(List.of(), policy.plan(snap, new State(4 * SECOND, List.of(0, 1))).plan().migrations());
    }

    @Test
    void aDrainingGpuIsEmptiedByThePolicy() {
        // GPU 2 drains with d0, d1 active and d2 idle. Ready GPUs 0 and 1 run one each.
        // d0 -> 0 (next 121.8 on both, equal slots, lower id), d1 -> 1 (121.8 < 182.5); d2 offloaded.
        // Then L = 121.8 on GPUs 0 and 1; relieving them would need 182.5 somewhere: no more moves.
        // The state saw the same ready GPUs just now: the draining GPU alone triggers this.
        ClusterSnapshot snap = Snapshots.cluster(3).state(2, GpuState.DRAINING).sessions("a:ACTIVE:RESIDENT:0",
                "b:ACTIVE:RESIDENT:1", "d0:ACTIVE:RESIDENT:2", "d1:ACTIVE:RESIDENT:2", "d2:IDLE:RESIDENT:2").build();
        PlacementResult r = policy.plan(snap, quiet(snap));
        assertEquals(List.of(new Migration("d0", 2, 0), new Migration("d1", 2, 1)), r.plan().migrations());
        assertEquals(List.of("d2"), r.plan().offloads());
    }

    @Test
    void sessionsInTransitAreNeitherMovedNorPlaced() {
        // GPU 0: 3 resident + c arriving (in transit): L = 245.3 with GPU 1 empty. Only resident
        // sessions move: s0 -> 1 (Γ = 57.2); then 3, 1 -> 2, 2 (Γ = 55.1). c is never in the plan.
        ClusterSnapshot snap = Snapshots.cluster(2).sessions("c:ACTIVE:IN_TRANSIT:0").sessions(resident("s", 0, 3)).build();
        PlacementResult r = policy.plan(snap, PolicyState.NONE);
        assertEquals(List.of(new Migration("s0", 0, 1), new Migration("s1", 0, 1)), r.plan().migrations());
        assertEquals(List.of(), r.plan().placements());
    }

    @Test
    void withoutImmediateOffloadIdleStateLeavesOnlyWhenItsSlotIsNeeded() {
        // One GPU, K = 4: a runs; i0, i1, i2 idle since 5 s, 1 s, 3 s fill the rest. x and y wait:
        // offload the two idle longest, i1 and i2; their slots free when the offloads complete.
        TurboServePlacement lazy = new TurboServePlacement(Settings.defaults().withOffloadIdle(false));
        ClusterSnapshot full = Snapshots.cluster(1).sessions("a:ACTIVE:RESIDENT:0", "i0:IDLE:RESIDENT:0:256000000:5000000000",
                "i1:IDLE:RESIDENT:0:256000000:1000000000", "i2:IDLE:RESIDENT:0:256000000:3000000000",
                "x:ACTIVE:NONE:-1", "y:ACTIVE:NONE:-1").build();
        PlacementResult r = lazy.plan(full, PolicyState.NONE);
        assertEquals(List.of(), r.plan().placements());
        assertEquals(List.of("i1", "i2"), r.plan().offloads());
        // Next decision: i2's offload is running (in transit): one more offload covers the other wait.
        ClusterSnapshot next = Snapshots.cluster(1).sessions("a:ACTIVE:RESIDENT:0", "i0:IDLE:RESIDENT:0:256000000:5000000000",
                "i1:IDLE:RESIDENT:0:256000000:1000000000", "i2:IDLE:IN_TRANSIT:0", "x:ACTIVE:NONE:-1",
                "y:ACTIVE:NONE:-1").build();
        assertEquals(List.of("i1"), lazy.plan(next, PolicyState.NONE).plan().offloads());
        // With room, idle state stays where it is.
        ClusterSnapshot room = Snapshots.cluster(1).sessions("i0:IDLE:RESIDENT:0", "x:ACTIVE:NONE:-1").build();
        assertEquals(List.of(), lazy.plan(room, PolicyState.NONE).plan().offloads());
    }

    @Test
    void withoutMigrationTheSamePlacementsAndNeverAMigration() {
        TurboServeNoMigrationPlacement noMigration = new TurboServeNoMigrationPlacement();
        assertEquals("turboserve-no-migration", noMigration.name());
        List<ClusterSnapshot> cases = List.of(
                Snapshots.cluster(2).sessions(resident("s", 0, 4)).sessions("t0:ACTIVE:RESIDENT:1", "x:ACTIVE:NONE:-1").build(),
                Snapshots.cluster(3).state(2, GpuState.DRAINING).sessions("a:ACTIVE:RESIDENT:0", "d0:ACTIVE:RESIDENT:2",
                        "d1:IDLE:RESIDENT:2").build(),
                Snapshots.cluster(4).sessions(resident("s", 0, 4)).sessions(resident("t", 1, 4)).build());
        for (ClusterSnapshot snap : cases) {
            PlacementResult with = policy.plan(snap, PolicyState.NONE);
            PlacementResult without = noMigration.plan(snap, PolicyState.NONE);
            assertEquals(List.of(), without.plan().migrations());
            assertEquals(with.plan().placements(), without.plan().placements());
            assertEquals(with.plan().offloads(), without.plan().offloads());
        }
        assertTrue(!policy.plan(cases.get(0), PolicyState.NONE).plan().migrations().isEmpty(),
                "the first case does migrate with turboserve, so the comparison means something");
    }

    @Test
    void configurationDefaultsAreTheDocumentedSettings() {
        assertEquals(new Settings(true, 0.35, Duration.ofMillis(40), 3, 4, Duration.ofSeconds(10)), Settings.defaults());
        assertEquals(Settings.defaults(), Settings.from(defaults(TurboServePlacement.Config.class)));
        assertEquals("turboserve", new TurboServePlacement(defaults(TurboServePlacement.Config.class)).name());
    }

    @Test
    void invalidSettingsAreRejectedNamingTheValue() {
        IllegalArgumentException eta = assertThrows(IllegalArgumentException.class,
                () -> Settings.defaults().withEta(-0.5));
        assertEquals("eta must be a finite number >= 0, got -0.5", eta.getMessage());
        IllegalArgumentException rounds = assertThrows(IllegalArgumentException.class,
                () -> Settings.defaults().withRounds(-1));
        assertEquals("rounds must be >= 0, got -1", rounds.getMessage());
        TurboServePlacement.Config badPeriod = (TurboServePlacement.Config) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {TurboServePlacement.Config.class},
                (proxy, method, args) -> method.getName().equals("rebalancePeriodMillis") ? -5L : method.getDefaultValue());
        IllegalArgumentException period = assertThrows(IllegalArgumentException.class,
                () -> Settings.from(badPeriod));
        assertEquals("io.turboserve.placement.turboserve: rebalancePeriodMillis must be >= 0, got -5", period.getMessage());
        // The component itself starts with its defaults rather than not at all, saying why.
        assertEquals(Settings.defaults().rebalancePeriod(), new TurboServePlacement(badPeriod).settings().rebalancePeriod());
        assertThrows(IllegalArgumentException.class, () -> Settings.defaults().withEta(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Settings.defaults().withMaxMigrations(-2));
        assertThrows(IllegalArgumentException.class, () -> Settings.defaults().withMinGain(Duration.ofMillis(-1)));
    }

    @Test
    void theNextStateRemembersReadyGpusEvenWithoutRebalancing() {
        ClusterSnapshot snap = Snapshots.cluster(3).state(1, GpuState.PROVISIONING).now(3 * SECOND)
                .sessions("a:ACTIVE:NONE:-1").build();
        PlacementResult r = policy.plan(snap, new State(2 * SECOND, List.of(0, 2)));
        assertEquals(new State(2 * SECOND, List.of(0, 2)), r.next());
        assertEquals(List.of(new Placement("a", 0)), r.plan().placements());
    }

    /** @return an instance of a configuration annotation with every attribute at its default. */
    static <A> A defaults(Class<A> type) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> method.getDefaultValue()));
    }
}
