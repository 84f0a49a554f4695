package io.turboserve.autoscaler;

import static io.turboserve.autoscaler.Snapshots.active;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.policy.PolicyState;
import io.turboserve.api.policy.ScalingResult;
import io.turboserve.autoscaler.Snapshots.Latencies;
import io.turboserve.autoscaler.TurboserveAutoscaling.Settings;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Policy tables for {@code turboserve} autoscaling: M = clamp(max(⌈N/K⌉, ⌈N/(K·ρ̂)⌉)), (λ, ρ̂) by
 * volatility level (defaults: low 0.9 / 0, medium 0.8 / 4, high 0.7 / 8), λ weighing bottleneckAt.
 */
class TurboserveAutoscalingTest {
    private static final TurboserveAutoscaling DEFAULTS = new TurboserveAutoscaling(Settings.defaults());

    private static ScalingResult scale(TurboserveAutoscaling policy, Snapshots snapshot, Latencies latencies) {
        return policy.scale(snapshot.build(), latencies, PolicyState.NONE);
    }

    @ParameterizedTest(name = "N={0} -> M={1}")
    @CsvSource({
        // N,  M     low volatility: ρ̂ 0.9, λ 0, K 4, so K·ρ̂ = 3.6; bounds 1..64
        "  0,  1", // no active session: the bounds' minimum
        "  1,  1", // ⌈1/4⌉ = 1, ⌈1/3.6 = 0.28⌉ = 1
        "  4,  2", // ⌈4/4⌉ = 1, ⌈4/3.6 = 1.11⌉ = 2: a full GPU is above ρ̂
        "  5,  2", // ⌈5/4 = 1.25⌉ = 2, ⌈5/3.6 = 1.39⌉ = 2
        " 17,  5", // ⌈17/4 = 4.25⌉ = 5, ⌈17/3.6 = 4.72⌉ = 5
        " 36, 10", // ⌈36/4⌉ = 9, ⌈36/3.6⌉ = 10 exactly
    })
    void targetIsActiveSessionsOverKAtRho(int n, int m) {
        assertEquals(m, scale(DEFAULTS, active(n).cv(0.2), Latencies.flat(100)).targetBudget());
    }

    @Test
    void idleSessionsDoNotCount() {
        // 5 active, 20 idle: ⌈5/3.6⌉ = 2, as with 5 active alone
        assertEquals(2, scale(DEFAULTS, active(5).idle(20), Latencies.flat(100)).targetBudget());
    }

    @ParameterizedTest(name = "cv {0}, N={1} -> M={2}")
    @CsvSource({
        // cv,  N,  M     flat latency, so λ keeps the ρ̂ target (ties go to the cheaper budget)
        "0.75, 36, 12", // medium, ρ̂ 0.8: ⌈36/4⌉ = 9, ⌈36/3.2 = 11.25⌉ = 12
        "1.5,  36, 13", // high, ρ̂ 0.7: ⌈36/2.8 = 12.86⌉ = 13
        "1.5,  42, 15", // high: 42/2.8 = 15, which binary floating point makes 15.000000000000002: not 16
    })
    void moreVolatileLevelsKeepMoreHeadroom(double cv, int n, int m) {
        assertEquals(m, scale(DEFAULTS, active(n).cv(cv), Latencies.flat(200)).targetBudget());
    }

    @ParameterizedTest(name = "bounds [{1}, {2}], N={0} -> M={3}")
    @CsvSource({
        // N, min, max, M
        "  0,  2,  8,  2", // nobody active: the minimum, not 0
        "  1,  2,  8,  2", // ⌈1/3.6⌉ = 1, raised to the minimum 2
        " 36,  2,  8,  8", // ⌈36/3.6⌉ = 10, capped at 8
        " 36,  1,  6,  6", // capped below even ⌈36/4⌉ = 9: the operator's maximum wins
    })
    void targetIsClampedToTheBounds(int n, int min, int max, int m) {
        assertEquals(m, scale(DEFAULTS, active(n).bounds(min, max), Latencies.flat(100)).targetBudget());
    }

    @Test
    void weighingStopsAtTheBoundsMaximum() {
        // high, N = 36: target 13, candidates 13..15 capped to 13..14; L* halves each GPU:
        // 13 + 8·2.0 = 29, 14 + 8·1.0 = 22 → 14, and 15 is never asked about
        var latencies = Latencies.table(Map.of(13, 2000L, 14, 1000L, 15, 500L), 0);
        assertEquals(14, scale(DEFAULTS, active(36).cv(1.5).bounds(1, 14), latencies).targetBudget());
        assertEquals(List.of(13, 14), latencies.asked);
    }

    @ParameterizedTest(name = "cv {0} is {1}")
    @CsvSource({
        // cv,      level,   M for N = 36 with flat latency
        "0,         LOW,     10", // ⌈36/3.6⌉
        "0.4999,    LOW,     10",
        "0.5,       MEDIUM,  12", // 0.5 itself is medium: "0.5–1" includes both ends
        "0.75,      MEDIUM,  12", // ⌈36/3.2⌉
        "1.0,       MEDIUM,  12", // 1.0 itself is still medium: high is "above 1"
        "1.0001,    HIGH,    13", // ⌈36/2.8⌉
        "4,         HIGH,    13",
        "NaN,       HIGH,    13", // unknown volatility is not calm
    })
    void levelIsChosenByTransitionCv(double cv, Volatility level, int m) {
        assertEquals(level, Settings.defaults().level(cv));
        ScalingResult r = scale(DEFAULTS, active(36).cv(cv), Latencies.flat(100));
        assertEquals(m, r.targetBudget());
        assertEquals(level, ((TurboserveState) r.next()).level());
    }

    @Test
    void missingDemandStatisticsCountAsHighVolatility() {
        ScalingResult r = scale(DEFAULTS, active(36).noDemand(), Latencies.flat(100));
        assertEquals(13, r.targetBudget()); // ⌈36/2.8⌉
        assertTrue(r.reason().contains("volatility high (cv unknown)"), r.reason());
    }

    @ParameterizedTest(name = "cv {0}: L*(3..5) = {1}/{2}/{3} ms -> M={4}")
    @CsvSource({
        // cv,  L*(3), L*(4), L*(5), M    N = 8, K = 4: ⌈8/4⌉ = 2; objective M + λ·L*(M) in seconds
        "1.5,   2000,  1000,   500, 5", // high: ⌈8/2.8 = 2.86⌉ = 3; 3+8·2 = 19, 4+8·1 = 12, 5+8·0.5 = 9
        "1.5,   2000,  1000,   950, 4", // high: 19, 12, 5+8·0.95 = 12.6: the fifth GPU no longer pays
        "0.75,   600,   300,   200, 4", // medium: ⌈8/3.2 = 2.5⌉ = 3; 3+4·0.6 = 5.4, 4+4·0.3 = 5.2, 5+4·0.2 = 5.8
        "1.5,    200,   200,   200, 3", // flat: 3+1.6 < 4+1.6 < 5+1.6, the ρ̂ target is kept
        "1.5,    500,   375,   250, 3", // a tie, 3+8·0.5 = 4+8·0.375 = 5+8·0.25 = 7: the cheapest budget
    })
    void lambdaBuysLatencyWithGpusAboveTheRhoTarget(double cv, long l3, long l4, long l5, int m) {
        var latencies = Latencies.table(Map.of(3, l3, 4, l4, 5, l5), 0);
        assertEquals(m, scale(DEFAULTS, active(8).cv(cv), latencies).targetBudget());
        assertEquals(List.of(3, 4, 5), latencies.asked); // the target and extraCandidates = 2 above it
    }

    @Test
    void lambdaZeroKeepsTheRhoTargetAndAsksOneWhatIf() {
        // low: λ = 0, so however steeply latency falls, M = ⌈8/3.6 = 2.22⌉ = 3; one what-if, for the reason
        var latencies = Latencies.table(Map.of(3, 5000L, 4, 100L, 5, 10L), 0);
        assertEquals(3, scale(DEFAULTS, active(8).cv(0.1), latencies).targetBudget());
        assertEquals(List.of(3), latencies.asked);
    }

    @Test
    void neverBelowWhatHoldsEveryActiveSession() {
        // ρ̂ 1 everywhere, high λ: N = 9, K = 4 → ⌈9/4⌉ = ⌈9/4⌉ = 3. Fewer GPUs would "cost" nothing in
        // latency by this estimator, but a budget below ⌈N/K⌉ leaves someone without a GPU: never asked.
        var settings = new Settings(1, 1, 1, 8, 8, 8, 0.5, 1.0, 2, Duration.ZERO);
        var latencies = Latencies.table(Map.of(1, 0L, 2, 0L), 500);
        assertEquals(3, scale(new TurboserveAutoscaling(settings), active(9).cv(2), latencies).targetBudget());
        assertTrue(latencies.asked.stream().allMatch(m -> m >= 3), latencies.asked.toString());
    }

    @Test
    void reasonStatesTheFigures() {
        assertEquals("N=36 active, K=4; volatility low (cv 0.20): rho 0.90, lambda 0 GPU/s; "
                + "ceil(36/4)=9, ceil(36/3.6)=10; M=10, L*(10)=182.0 ms",
                scale(DEFAULTS, active(36).cv(0.2), Latencies.flat(182)).reason());
        assertEquals("N=8 active, K=4; volatility high (cv 1.50): rho 0.70, lambda 8 GPU/s; "
                + "ceil(8/4)=2, ceil(8/2.8)=3; min M+lambda*L* over M=3..5; M=5, L*(5)=500.0 ms",
                scale(DEFAULTS, active(8).cv(1.5), Latencies.table(Map.of(3, 2000L, 4, 1000L, 5, 500L), 0)).reason());
        assertEquals("N=36 active, K=4; volatility low (cv 0.00): rho 0.90, lambda 0 GPU/s; "
                + "ceil(36/4)=9, ceil(36/3.6)=10; 10 clamped to [1, 6]; M=6, L*(6)=300.0 ms",
                scale(DEFAULTS, active(36).bounds(1, 6), Latencies.flat(300)).reason());
        assertEquals("N=0 active: the minimum budget M=2; volatility low (cv 0.00)",
                scale(DEFAULTS, active(0).bounds(2, 8), Latencies.flat(0)).reason());
    }

    @Test
    void reasonSaysWhenTheLevelChanged() {
        var was = new TurboserveState(Volatility.HIGH, TurboserveState.Trend.start(0, 36));
        ScalingResult r = DEFAULTS.scale(active(36).cv(0.1).build(), Latencies.flat(100), was);
        assertTrue(r.reason().contains("volatility low (cv 0.10, was high)"), r.reason());
        assertEquals(Volatility.LOW, ((TurboserveState) r.next()).level());
    }

    /** Runs decisions (seconds, active) in turn, each with the state the last returned; returns the budgets. */
    private static List<Integer> decisions(TurboserveAutoscaling policy, int[]... secondsAndActive) {
        PolicyState state = PolicyState.NONE;
        var budgets = new java.util.ArrayList<Integer>();
        for (int[] d : secondsAndActive) {
            ScalingResult r = policy.scale(active(d[1]).atSeconds(d[0]).cv(0.2).build(), Latencies.flat(100), state);
            state = r.next();
            budgets.add(r.targetBudget());
        }
        return budgets;
    }

    @Test
    void coldStartHeadroomFollowsARisingTrendOnlyWhenEnabled() {
        var coldStart = new TurboserveAutoscaling(new Settings(0.9, 0.8, 0.7, 0, 4, 8, 0.5, 1.0, 2, Duration.ofSeconds(30)));
        int[][] rising = {
            {0, 8},   // ⌈8/3.6 = 2.22⌉ = 3; no interval measured yet, no headroom
            {3, 11},  // ⌈11/3.6 = 3.06⌉ = 4; the 6 s interval (one demand bin) is still open
            {6, 14},  // +6 in 6 s, so 6·30/6 = 30 sessions within a 30 s cold start: ⌈30/4⌉ = 8 GPUs;
                      // ⌈14/4⌉ = ⌈14/3.6 = 3.89⌉ = 4, so 4 + 8 = 12
            {12, 14}, // flat over the next bin: no headroom, 4
        };
        assertEquals(List.of(3, 4, 12, 4), decisions(coldStart, rising));
        assertEquals(List.of(3, 4, 4, 4), decisions(DEFAULTS, rising)); // coldStart 0: the paper's rule
        // falling: 8 → 5 in 6 s, no headroom: ⌈5/3.6⌉ = 2
        assertEquals(List.of(3, 2), decisions(coldStart, new int[] {0, 8}, new int[] {6, 5}));
    }

    @Test
    void coldStartHeadroomIsInTheReason() {
        var policy = new TurboserveAutoscaling(new Settings(0.9, 0.8, 0.7, 0, 4, 8, 0.5, 1.0, 2, Duration.ofSeconds(30)));
        PolicyState first = policy.scale(active(8).build(), Latencies.flat(100), PolicyState.NONE).next();
        String reason = policy.scale(active(14).atSeconds(6).build(), Latencies.flat(100), first).reason();
        assertTrue(reason.contains("cold start 30000 ms, active +6 in 6000 ms: +8 GPU headroom"), reason);
    }

    static Stream<Arguments> invalidSettings() {
        String pid = "io.turboserve.autoscaler.turboserve: ";
        Duration z = Duration.ZERO;
        return Stream.of(
                Arguments.of((Executable) () -> new Settings(0, 0.8, 0.7, 0, 4, 8, 0.5, 1, 2, z),
                        pid + "rhoLow must be in (0, 1], got 0.0"),
                Arguments.of((Executable) () -> new Settings(0.9, 1.2, 0.7, 0, 4, 8, 0.5, 1, 2, z),
                        pid + "rhoMedium must be in (0, 1], got 1.2"),
                Arguments.of((Executable) () -> new Settings(0.9, 0.8, Double.NaN, 0, 4, 8, 0.5, 1, 2, z),
                        pid + "rhoHigh must be in (0, 1], got NaN"),
                Arguments.of((Executable) () -> new Settings(0.9, 0.8, 0.7, 0, -1, 8, 0.5, 1, 2, z),
                        pid + "lambdaMedium must be a finite number at least 0, got -1.0"),
                Arguments.of((Executable) () -> new Settings(0.9, 0.8, 0.7, 0, 4, Double.POSITIVE_INFINITY, 0.5, 1, 2, z),
                        pid + "lambdaHigh must be a finite number at least 0, got Infinity"),
                Arguments.of((Executable) () -> new Settings(0.9, 0.8, 0.7, 0, 4, 8, -0.1, 1, 2, z),
                        pid + "mediumCvFrom must be a finite number at least 0, got -0.1"),
                Arguments.of((Executable) () -> new Settings(0.9, 0.8, 0.7, 0, 4, 8, 1.2, 1, 2, z),
                        pid + "level thresholds must ascend: highCvAbove 1.0 must be finite and above mediumCvFrom 1.2"),
                Arguments.of((Executable) () -> new Settings(0.9, 0.8, 0.7, 0, 4, 8, 0.5, 0.5, 2, z),
                        pid + "level thresholds must ascend: highCvAbove 0.5 must be finite and above mediumCvFrom 0.5"),
                Arguments.of((Executable) () -> new Settings(0.9, 0.8, 0.7, 0, 4, 8, 0.5, 1, -1, z),
                        pid + "extraCandidates must be at least 0, got -1"),
                Arguments.of((Executable) () -> new Settings(0.9, 0.8, 0.7, 0, 4, 8, 0.5, 1, 2, Duration.ofMillis(-5)),
                        pid + "coldStart must be a non-negative duration, got PT-0.005S"),
                Arguments.of((Executable) () -> TurboserveAutoscaling.settings(config(Map.of("coldStartMillis", -5L))),
                        pid + "coldStartMillis must be at least 0, got -5"),
                Arguments.of((Executable) () -> TurboserveAutoscaling.settings(config(Map.of("rhoHigh", 1.5))),
                        pid + "rhoHigh must be in (0, 1], got 1.5"));
    }

    @ParameterizedTest
    @MethodSource("invalidSettings")
    void settingsNameWhatTheyReject(Executable construct, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, construct).getMessage());
    }

    @Test
    void configurationDefaultsAreTheDocumentedSettings() {
        assertEquals(Settings.defaults(), new TurboserveAutoscaling(config(Map.of())).settings());
        assertEquals(new Settings(0.95, 0.8, 0.7, 0, 4, 8, 0.5, 1.0, 2, Duration.ofSeconds(30)),
                TurboserveAutoscaling.settings(config(Map.of("rhoLow", 0.95, "coldStartMillis", 30_000L))));
    }

    @Test
    void reconfigurationTakesEffectAtTheNextDecision() {
        var policy = new TurboserveAutoscaling(config(Map.of()));
        policy.configure(config(Map.of("rhoLow", 1.0)));
        // ρ̂ 1: ⌈36/4⌉ = ⌈36/4⌉ = 9
        assertEquals(9, scale(policy, active(36), Latencies.flat(100)).targetBudget());
    }

    /** A configuration as ConfigAdmin would give it: the annotation's defaults, some overridden. */
    static TurboserveAutoscaling.Config config(Map<String, Object> overrides) {
        Map<String, Object> values = new HashMap<>(overrides);
        return (TurboserveAutoscaling.Config) Proxy.newProxyInstance(TurboserveAutoscaling.Config.class.getClassLoader(),
                new Class<?>[] {TurboserveAutoscaling.Config.class}, (proxy, method, args) -> {
                    if (method.getName().equals("annotationType")) {
                        return TurboserveAutoscaling.Config.class;
                    }
                    return values.containsKey(method.getName()) ? values.get(method.getName()) : method.getDefaultValue();
                });
    }
}
