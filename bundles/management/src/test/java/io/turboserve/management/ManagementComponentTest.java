package io.turboserve.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ManagementComponentTest {
    private final FakeServingService serving = new FakeServingService();
    private final MBeanServer server = MBeanServerFactory.newMBeanServer();

    static ManagementComponent.Config config(long refreshMillis) {
        return new ManagementComponent.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return ManagementComponent.Config.class;
            }

            @Override
            public long refreshMillis() {
                return refreshMillis;
            }
        };
    }

    @Test
    void activationRegistersTheClusterAndPoliciesAndDeactivationRemovesEverything() {
        ManagementComponent component = new ManagementComponent(serving, config(60_000), server);

        assertTrue(server.isRegistered(ObjectNames.cluster()));
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals(ManagementComponent.THREAD_NAME) && t.isDaemon()),
                "a named daemon thread refreshes");

        component.registrar().refresh();
        component.deactivate();

        assertEquals(Set.of(), server.queryNames(ObjectNames.all(), null));
    }

    @Test
    void aNewPeriodTakesEffectOnModification() {
        ManagementComponent component = new ManagementComponent(serving, config(60_000), server);
        try {
            component.modified(config(250));
            assertEquals(250, component.refreshPeriodMillis());
        } finally {
            component.deactivate();
        }
    }

    @ParameterizedTest(name = "refreshMillis={0} -> {1}")
    @CsvSource({"500, 500", "50, 50", "60000, 60000", "49, 500", "0, 500", "-5, 500", "60001, 500"})
    void refreshPeriodOutOfRangeIsRejectedForTheDefault(long configured, long used) {
        assertEquals(used, ManagementComponent.refreshMillis(configured));
    }
}
