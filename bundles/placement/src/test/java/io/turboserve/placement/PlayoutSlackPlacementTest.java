package io.turboserve.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.GpuState;
import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.Placement;
import io.turboserve.api.policy.PlacementResult;
import io.turboserve.api.policy.PolicyState;
import io.turboserve.api.policy.SessionView;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlayoutSlackPlacementTest {
    private static final long S = 1_000_000_000L;
    /** The decision time of every snapshot here. */
    private static final long NOW = 100 * S;

    private final PlayoutSlackPlacement policy = new PlayoutSlackPlacement();

    /** An active session; {@code waitedMs} since its pending chunk was requested, {@code slackMs} of unwatched video. */
    private static SessionView active(String id, Residency residency, int gpu, long waitedMs, long slackMs) {
        return new SessionView(id, "tiny", Lifecycle.ACTIVE, residency, gpu, Snapshots.MB256, 0, 10,
                NOW - waitedMs * 1_000_000L, slackMs * 1_000_000L);
    }

    private static SessionView served(String id, int gpu, long slackMs) {
        return active(id, Residency.RESIDENT, gpu, 100, slackMs);
    }

    private static SessionView waiting(String id, long waitedMs) {
        return active(id, Residency.NONE, -1, waitedMs, 0);
    }

    private static ClusterSnapshot oneFullGpu(SessionView... more) {
        return Snapshots.cluster(1).k(2).now(NOW)
                .views(served("a", 0, 5_000), served("b", 0, 10_000)).views(more).build();
    }

    @Test
    void lendsTheSlotOfTheSessionWithTheMostSlack() {
        PlacementResult r = policy.plan(oneFullGpu(waiting("w", 2_000)), PolicyState.NONE);
        assertEquals(List.of("b"), r.plan().offloads());
        assertEquals(List.of(), r.plan().placements());
        assertEquals(Set.of("b"), ((PlayoutSlackPlacement.State) r.next()).swapping());
    }

    @Test
    void oneLenderPerWaitingSession() {
        PlacementResult r = policy.plan(oneFullGpu(waiting("w1", 2_000), waiting("w2", 1_500), waiting("w3", 1_200)),
                PolicyState.NONE);
        assertEquals(List.of("b", "a"), r.plan().offloads());
    }

    @Test
    void aShortWaitIsNotWorthASwap() {
        // A GPU about to be ready or a slot about to free serves it: swap only after swapAfter (1 s).
        assertEquals(List.of(), policy.plan(oneFullGpu(waiting("w", 500)), PolicyState.NONE).plan().offloads());
    }

    @Test
    void noSessionLendsWithoutEnoughSlack() {
        ClusterSnapshot s = Snapshots.cluster(1).k(2).now(NOW)
                .views(served("a", 0, 2_999), served("b", 0, -500), waiting("w", 5_000)).build();
        assertEquals(List.of(), policy.plan(s, PolicyState.NONE).plan().offloads());
    }

    @Test
    void aSessionWaitingForItsChunkDoesNotLend() {
        // "b" was just swapped back in: lots of slack, but its chunk has waited 1.5 s and it has not
        // been served since; swapping it out again would starve it.
        ClusterSnapshot s = Snapshots.cluster(1).k(2).now(NOW)
                .views(served("a", 0, 1_000), active("b", Residency.RESIDENT, 0, 1_500, 30_000), waiting("w", 5_000))
                .build();
        assertEquals(List.of(), policy.plan(s, PolicyState.NONE).plan().offloads());
    }

    @Test
    void slotsAlreadyFreeingAreCounted() {
        // "b" is still being offloaded for "w" from the last decision: no second lender for "w".
        ClusterSnapshot s = Snapshots.cluster(1).k(2).now(NOW)
                .views(served("a", 0, 5_000), active("b", Residency.IN_TRANSIT, 0, 50, 10_000), waiting("w", 2_000))
                .build();
        var last = new PlayoutSlackPlacement.State(PolicyState.NONE, Set.of("b"), Long.MIN_VALUE);
        PlacementResult r = policy.plan(s, last);
        assertEquals(List.of(), r.plan().offloads());
        assertEquals(Set.of("b"), ((PlayoutSlackPlacement.State) r.next()).swapping());

        // An idle session leaving the GPU frees a slot too.
        ClusterSnapshot idle = Snapshots.cluster(1).k(2).now(NOW).sessions("i:IDLE:IN_TRANSIT:0")
                .views(served("a", 0, 5_000), waiting("w", 2_000)).build();
        assertEquals(List.of(), policy.plan(idle, PolicyState.NONE).plan().offloads());
    }

    @Test
    void theLongestWaitingSessionTakesTheFreeSlot() {
        // One free slot; "late" arrived after "early" but its chunk has waited longer (it was swapped out).
        ClusterSnapshot s = Snapshots.cluster(1).k(2).now(NOW)
                .views(served("a", 0, 0), waiting("early", 300), waiting("late", 2_500)).build();
        PlacementResult r = policy.plan(s, PolicyState.NONE);
        assertEquals(List.of(new Placement("late", 0)), r.plan().placements());
        assertEquals(List.of(), r.plan().offloads());
    }

    @Test
    void onlySessionsOnReadyGpusLend() {
        // A slot freed on a draining GPU takes nobody.
        ClusterSnapshot s = Snapshots.cluster(2).k(1).now(NOW).state(1, GpuState.DRAINING)
                .views(served("a", 0, 4_000), served("d", 1, 60_000), waiting("w", 2_000)).build();
        assertEquals(List.of("a"), policy.plan(s, PolicyState.NONE).plan().offloads());
    }

    @Test
    void withoutShortageItIsBatchingAware() {
        ClusterSnapshot s = Snapshots.cluster(2).k(2).now(NOW)
                .views(served("a", 0, 60_000), served("b", 0, 60_000), waiting("w", 5_000)).build();
        PlacementResult ours = policy.plan(s, PolicyState.NONE);
        PlacementResult inner = new BatchingAwarePlacement().plan(s, PolicyState.NONE);
        assertEquals(inner.plan(), ours.plan());
        assertEquals(List.of(new Placement("w", 1)), ours.plan().placements());
    }

    @Test
    void settingsAreValidated() {
        var inner = TurboServePlacement.Settings.defaults();
        var e = assertThrows(IllegalArgumentException.class,
                () -> new PlayoutSlackPlacement.Settings(Duration.ofSeconds(-1), Duration.ZERO, 1, Duration.ZERO, inner));
        assertTrue(e.getMessage().contains("swapAfter"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new PlayoutSlackPlacement.Settings(Duration.ZERO, Duration.ofSeconds(-1), 1, Duration.ZERO, inner));
        assertThrows(IllegalArgumentException.class,
                () -> new PlayoutSlackPlacement.Settings(Duration.ZERO, Duration.ZERO, -1, Duration.ZERO, inner));
        assertThrows(IllegalArgumentException.class,
                () -> new PlayoutSlackPlacement.Settings(Duration.ZERO, Duration.ZERO, 1, Duration.ofSeconds(-1), inner));
    }

    @Test
    void maxSwapsBoundsOneDecision() {
        var one = new PlayoutSlackPlacement(new PlayoutSlackPlacement.Settings(Duration.ofSeconds(1),
                Duration.ofSeconds(3), 1, Duration.ofSeconds(10), TurboServePlacement.Settings.defaults()));
        assertEquals(List.of("b"),
                one.plan(oneFullGpu(waiting("w1", 2_000), waiting("w2", 2_000)), PolicyState.NONE).plan().offloads());
    }

    /** A resident session whose client stopped reading: no chunk pending, its playout clock long run out. */
    private static SessionView notReading(String id, Residency residency, int gpu) {
        return new SessionView(id, "tiny", Lifecycle.ACTIVE, residency, gpu, Snapshots.MB256, 0, 10, -1, -5_000_000_000L);
    }

    @Test
    void aSessionWhoseClientIsNotReadingLendsFirstAndIsNeverUrgent() {
        // "p" has no chunk pending: it needs no GPU until its client reads, whatever its slack says.
        ClusterSnapshot full = Snapshots.cluster(1).k(2).now(NOW)
                .views(served("a", 0, 20_000), notReading("p", Residency.RESIDENT, 0), waiting("w", 2_000)).build();
        assertEquals(List.of("p"), policy.plan(full, PolicyState.NONE).plan().offloads());

        // Offloaded and not reading, it does not take a free slot from a chunk that has waited.
        ClusterSnapshot oneFree = Snapshots.cluster(1).k(2).now(NOW)
                .views(served("a", 0, 0), notReading("p", Residency.OFFLOADED, -1), waiting("w", 2_000)).build();
        assertEquals(List.of(new Placement("w", 0)), policy.plan(oneFree, PolicyState.NONE).plan().placements());
        // Nor does it make anybody lend.
        ClusterSnapshot onlyIt = Snapshots.cluster(1).k(2).now(NOW)
                .views(served("a", 0, 20_000), served("b", 0, 20_000), notReading("p", Residency.OFFLOADED, -1)).build();
        assertEquals(List.of(), policy.plan(onlyIt, PolicyState.NONE).plan().offloads());
    }

    @Test
    void aLendThatRolledBackPausesLending() {
        // "b" was offloaded to lend its slot, and is resident again: the store refused it.
        ClusterSnapshot s = oneFullGpu(waiting("w", 2_000));
        var failed = policy.plan(s, new PlayoutSlackPlacement.State(PolicyState.NONE, Set.of("b"), Long.MIN_VALUE));
        assertEquals(List.of(), failed.plan().offloads());
        assertEquals(NOW, ((PlayoutSlackPlacement.State) failed.next()).lendFailedAtNanos());
        // Still paused 5 s later (the state carries the pause); lending again after 10 s. ("p" lends
        // at any time: its client is not reading.)
        ClusterSnapshot later = Snapshots.cluster(1).k(2).now(NOW + 5 * S)
                .views(served("a", 0, 5_000), notReading("p", Residency.RESIDENT, 0), waiting("w", 2_000)).build();
        assertEquals(List.of(), policy.plan(later, failed.next()).plan().offloads());
        ClusterSnapshot after = Snapshots.cluster(1).k(2).now(NOW + 11 * S)
                .views(served("a", 0, 5_000), notReading("p", Residency.RESIDENT, 0), waiting("w", 2_000)).build();
        assertEquals(List.of("p"), policy.plan(after, failed.next()).plan().offloads());
        // A reconfigured instance with a 2 s pause, handed the same state, lends 5 s after the failure.
        PlayoutSlackPlacement.Settings d = PlayoutSlackPlacement.Settings.defaults();
        PlayoutSlackPlacement shorter = new PlayoutSlackPlacement(new PlayoutSlackPlacement.Settings(d.swapAfter(),
                d.minSlack(), d.maxSwaps(), java.time.Duration.ofSeconds(2), d.inner()));
        assertEquals(List.of("p"), shorter.plan(later, failed.next()).plan().offloads());
    }

    @Test
    void idleOffloadsFromADrainingGpuFreeNoSlot() {
        // GPU 1 drains: the inner policy offloads its idle session, which frees nothing "w" can use,
        // so a session on GPU 0 still lends.
        ClusterSnapshot s = Snapshots.cluster(2).k(1).now(NOW).state(1, GpuState.DRAINING)
                .sessions("i:IDLE:RESIDENT:1").views(served("a", 0, 4_000), waiting("w", 2_000)).build();
        PlacementResult r = policy.plan(s, PolicyState.NONE);
        assertTrue(r.plan().offloads().containsAll(List.of("i", "a")), r.plan().offloads().toString());
    }

    @Test
    void sessionsThatNeedNothingNeverTradeSlots() {
        // Even with swapAfter 0, an offloaded session whose client is not reading waits for nothing.
        var eager = new PlayoutSlackPlacement(new PlayoutSlackPlacement.Settings(Duration.ZERO, Duration.ofSeconds(3), 16,
                Duration.ofSeconds(10), TurboServePlacement.Settings.defaults()));
        ClusterSnapshot s = Snapshots.cluster(1).k(2).now(NOW)
                .views(served("a", 0, 20_000), notReading("q", Residency.RESIDENT, 0), notReading("p", Residency.OFFLOADED, -1))
                .build();
        assertEquals(List.of(), eager.plan(s, PolicyState.NONE).plan().offloads());
    }
}
