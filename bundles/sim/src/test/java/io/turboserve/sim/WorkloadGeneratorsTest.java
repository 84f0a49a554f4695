package io.turboserve.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WorkloadGeneratorsTest {
    private static final long MINUTE = 60_000_000_000L;

    /** DESIGN.md section 9: peak active ≈ target; we allow ±15 %. */
    private static void assertNear(int target, Workload w) {
        int peak = Workloads.peakActive(w);
        assertTrue(Math.abs(peak - target) <= 0.15 * target, () -> w.name() + ": peak " + peak + " for target " + target);
    }

    private static void assertIdsUnique(Workload w) {
        Set<String> ids = new HashSet<>();
        for (TraceEvent e : w.events()) {
            if (e.type() == TraceEvent.Type.SESSION_ARRIVAL) {
                assertTrue(ids.add(e.sessionId()), "duplicate session " + e.sessionId());
            }
        }
    }

    @ParameterizedTest(name = "seed {0}, target {1}")
    @CsvSource({"1, 12", "2, 51", "3, 204", "4, 102"})
    void syntheticHitsItsPeakTarget(long seed, int target) {
        Workload w = SyntheticWorkload.generate(seed, target, 30 * MINUTE);
        assertNear(target, w);
        assertIdsUnique(w);
        assertEquals(30 * MINUTE, w.durationNanos());
    }

    @Test
    void syntheticIsDeterministicPerSeed() {
        Workload a = SyntheticWorkload.generate(7, 51, 20 * MINUTE);
        Workload b = SyntheticWorkload.generate(7, 51, 20 * MINUTE);
        Workload c = SyntheticWorkload.generate(8, 51, 20 * MINUTE);
        assertEquals(a, b);
        assertNotEquals(a.events(), c.events());
    }

    @Test
    void syntheticHasHeavyTailedSessionsAndIdleGaps() {
        Workload w = SyntheticWorkload.generate(5, 102, 30 * MINUTE);
        long idles = w.events().stream().filter(e -> e.type() == TraceEvent.Type.USER_IDLE).count();
        assertTrue(idles > w.sessions(), "sessions go idle and come back: " + idles + " idles for " + w.sessions());
        // Knobs are validated.
        assertThrows(IllegalArgumentException.class,
                () -> new SyntheticWorkload.Knobs(0.5, 20, 1, 5, 1.5, 2, 0.8, 4, 45, 180));
    }

    @ParameterizedTest(name = "seed {0}, target {1}")
    @CsvSource({"1, 12", "2, 51", "1, 204"})
    void azureAdapterHitsItsPeakTargetOverTheTracesOwnSpan(long seed, int target) {
        Workload w = Workloads.azure(seed, target);
        assertNear(target, w);
        assertIdsUnique(w);
        // 18:17:03.98 to 19:14:19.93 is 3,435.95 s: the run lasts 3,436 s (time factor 1).
        assertEquals(3436 * 1_000_000_000L, w.durationNanos());
        // The trace is denser than these clusters: requests are thinned, not time stretched.
        assertTrue(w.sessions() < 8819, w.description());
        assertTrue(w.description().contains("CC-BY 4.0"), w.description());
    }

    @ParameterizedTest(name = "target {0}")
    @CsvSource({"12", "51", "204"})
    void azureAdapterCompressesTheHourIntoThirtyMinutes(int target) {
        Workload w = Workloads.azure(3, target, 30 * MINUTE);
        assertNear(target, w);
        assertEquals(30 * MINUTE, w.durationNanos());
        assertTrue(w.description().contains("time factor 0.5239"), w.description());
        // Arrivals spread over the whole run, not just its start.
        long last = 0;
        for (TraceEvent e : w.events()) {
            if (e.type() == TraceEvent.Type.SESSION_ARRIVAL) {
                last = e.timeNanos();
            }
        }
        assertTrue(last > 25 * MINUTE, "last arrival at " + last / 1e9 + " s");
    }

    @Test
    void aSparseRequestTraceIsReplicatedToReachItsTarget() throws IOException {
        // Three requests a second apart; each session is active at least 3 s, so all overlap at 2 s.
        // Target 6 needs two sessions per request.
        String csv = "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:00:00,10,10\n"
                + "2023-11-16 18:00:01,10,10\n2023-11-16 18:00:02,10,10\n";
        Workload w = AzureAdapter.read("x.csv", new StringReader(csv), 1, 6, 60 * 1_000_000_000L);
        assertEquals(6, Workloads.peakActive(w));
        assertIdsUnique(w);
        assertTrue(w.events().stream().anyMatch(e -> e.sessionId().equals("azure-0#1")));
    }

    @Test
    void azureAdapterIsDeterministicPerSeed() {
        Workload a = Workloads.azure(11, 64);
        Workload b = Workloads.azure(11, 64);
        Workload c = Workloads.azure(12, 64);
        assertEquals(a, b);
        assertNotEquals(a.events(), c.events());
    }

    @Test
    void azureAdapterRejectsAMalformedCsvWithTheLine() {
        String csv = "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.9799600,4808,10\n"
                + "2023-11-16 18:17:04.0319600,many,8\n";
        TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> AzureAdapter.read("x.csv", new StringReader(csv), 1, 10, Long.MAX_VALUE));
        assertEquals(3, e.line());
        assertEquals("ContextTokens", e.field());
        String unordered = "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:05,1,1\n2023-11-16 18:17:04,1,1\n";
        TraceFormatException e2 = assertThrows(TraceFormatException.class,
                () -> AzureAdapter.read("x.csv", new StringReader(unordered), 1, 10, Long.MAX_VALUE));
        assertEquals("TIMESTAMP", e2.field());
    }

    @Test
    void azureSessionShapeFollowsTheTokens() throws IOException {
        // 4808 context tokens → 1 + 4808/1024 = 5 active periods: 9 toggles (5 ends, 4 returns).
        SessionPlan p = AzureAdapter.shape(1, 0, 0, new AzureAdapter.Request(0, 4808, 10));
        assertEquals(9, p.toggles().length);
        assertTrue(p.activeOnArrival());
        assertTrue(p.departure() > p.toggles()[8]);
    }

    @ParameterizedTest(name = "target {0}")
    @CsvSource({"12", "51", "204", "6"})
    void scaleToReplicatesTheDemoTraceToAClusterSize(int target) {
        Workload demo = Workloads.demoTrace();
        Workload w = Workloads.scaleTo(demo, target);
        assertNear(target, w);
        assertIdsUnique(w);
        assertEquals(demo.durationNanos(), w.durationNanos());
    }

    @Test
    void scaleToTheWorkloadsOwnPeakKeepsItUnchanged() {
        Workload demo = Workloads.demoTrace();
        Workload same = Workloads.scaleTo(demo, 12);
        assertEquals(demo.events().size(), same.events().size());
        assertEquals(demo.sessions(), same.sessions());
    }

    @Test
    void scaleToIsDeterministicPerSeed() {
        Workload demo = Workloads.demoTrace();
        assertEquals(Workloads.scaleTo(demo, 100, 3), Workloads.scaleTo(demo, 100, 3));
        assertNotEquals(Workloads.scaleTo(demo, 100, 3).events(), Workloads.scaleTo(demo, 100, 4).events());
    }

    @Test
    void targetPeakIsEightyPercentOfTheCluster() {
        assertEquals(204, Workloads.targetPeakActive(64, 4));
        assertEquals(12, Workloads.targetPeakActive(4, 4));
    }
}
