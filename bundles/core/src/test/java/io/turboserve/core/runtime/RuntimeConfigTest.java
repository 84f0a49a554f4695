package io.turboserve.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a configuration edit of the serving runtime does: refused whole, applied now, or at restart. */
class RuntimeConfigTest {

    /** The runtime's configuration at its defaults but for {@code values}, as ConfigAdmin would hand it. */
    private static ServingRuntime.Config config(Map<String, Object> values) {
        for (String key : values.keySet()) {
            try {
                ServingRuntime.Config.class.getMethod(key);
            } catch (NoSuchMethodException e) {
                throw new IllegalArgumentException("no setting " + key, e);
            }
        }
        return (ServingRuntime.Config) Proxy.newProxyInstance(ServingRuntime.Config.class.getClassLoader(),
                new Class<?>[] {ServingRuntime.Config.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "annotationType" -> ServingRuntime.Config.class;
                    case "toString", "hashCode", "equals" -> throw new UnsupportedOperationException(m.getName());
                    default -> values.containsKey(m.getName()) ? values.get(m.getName()) : m.getDefaultValue();
                });
    }

    @Test
    void policyNamesAndBoundsApplyNowTheRestAtRestart() {
        ServingRuntime.Config running = config(Map.of());
        assertEquals(List.of(), ServingRuntime.restartOnlyChanges(running,
                config(Map.of("placementPolicy", "turboserve", "minBudget", 2, "maxBudget", 8))));
        assertEquals(List.of("sessionsPerGpu (4 -> 6)", "chunkVideoMillis (750 -> 1000)"),
                ServingRuntime.restartOnlyChanges(running, config(Map.of("sessionsPerGpu", 6, "chunkVideoMillis", 1000L))));
    }

    @Test
    void anInvalidFileAtStartStartsTheRuntimeWithTheDefaultsInsteadOfNoApi() throws Exception {
        // Review finding: sessionsPerGpu=-3 in etc/ at start left the server without /v1 and its
        // MBeans, and fixing the file did not bring them back.
        ServingRuntime rt = new ServingRuntime(config(Map.of("sessionsPerGpu", -3, "maxBudget", 6)));
        try {
            var status = rt.cluster();
            assertEquals(4, status.sessionsPerGpu(), "K at its default");
            assertEquals(4, status.maxBudget(), "every setting at its default, not half the file");
        } finally {
            rt.deactivate();
        }
    }

    @Test
    void aValueThatIsNotANumberIsNamedAndTheRuntimeStartsWithTheDefaults() throws Exception {
        // sessionsPerGpu=abc in etc/: DS throws from sessionsPerGpu() without naming it.
        var e = assertThrows(IllegalArgumentException.class,
                () -> ServingRuntime.validate(config(Map.of("sessionsPerGpu", "abc"))));
        assertTrue(e.getMessage().startsWith("io.turboserve.core.runtime: sessionsPerGpu cannot be read as an int"),
                e.getMessage());
        ServingRuntime rt = new ServingRuntime(config(Map.of("sessionsPerGpu", "abc", "maxBudget", 6)));
        try {
            assertEquals(4, rt.cluster().sessionsPerGpu());
            assertEquals(4, rt.cluster().maxBudget());
        } finally {
            rt.deactivate();
        }
    }

    @Test
    void boundsSetOverJmxStandThroughAnEditThatDoesNotChangeThemAndGiveWayToOneThatDoes() throws Exception {
        // Review finding: any edit of the file, even an unrelated one, put back the policies and
        // bounds it named, undoing what an operator had chosen over JMX.
        ServingRuntime rt = new ServingRuntime(config(Map.of()));
        try {
            rt.setBudgetBounds(2, 3);
            rt.modified(config(Map.of("scaleInHoldMillis", 7000L)));
            assertEquals(2, rt.cluster().minBudget());
            assertEquals(3, rt.cluster().maxBudget(), "an edit that leaves the bounds alone keeps the operator's");
            rt.modified(config(Map.of("scaleInHoldMillis", 7000L, "maxBudget", 2)));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (rt.cluster().maxBudget() != 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(2, rt.cluster().maxBudget(), "an edit of a bound applies");
            assertEquals(2, rt.cluster().minBudget(), "the other keeps the operator's value");
        } finally {
            rt.deactivate();
        }
    }

    @Test
    void aBudgetBeyondWhatAControllerManagesIsRefusedBeforeAnythingIsAskedFor() throws Exception {
        ServingRuntime rt = new ServingRuntime(config(Map.of()));
        try {
            var e = assertThrows(io.turboserve.api.serving.ServingException.class,
                    () -> rt.setBudgetBounds(Integer.MAX_VALUE, Integer.MAX_VALUE));
            assertEquals(io.turboserve.api.serving.ServingException.Kind.INVALID, e.kind());
            assertEquals(4, rt.cluster().maxBudget(), "the bounds stay as they were");
        } finally {
            rt.deactivate();
        }
    }

    @Test
    void anInvalidEditIsRefusedWithTheReason() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ServingRuntime.validate(config(Map.of("chunkVideoMillis", 0L, "tickMillis", 0L,
                        "evacuateTimeoutMillis", -1L))));
        assertTrue(e.getMessage().contains("tickMillis") && e.getMessage().contains("chunkVideo")
                && e.getMessage().contains("evacuateTimeoutMillis"), e.getMessage());
    }
}
