package io.turboserve.management;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.GpuState;
import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.serving.ClusterStatus;
import io.turboserve.api.serving.GpuStatus;
import io.turboserve.api.serving.PolicySlot;
import io.turboserve.api.serving.ServingException;
import io.turboserve.api.serving.SessionStatus;
import java.util.List;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** What each MBean shows, read through an MBeanServer as a JMX client would. */
class BeanAttributesTest {
    private final FakeServingService serving = new FakeServingService()
            .withGpu(FakeServingService.gpu(0, List.of("s1")))
            .withGpu(FakeServingService.gpu(3, List.of()))
            .withSession(FakeServingService.session("s1", Lifecycle.ACTIVE, Residency.RESIDENT, 0))
            .withSession(FakeServingService.session("s2", Lifecycle.IDLE, Residency.OFFLOADED, -1));
    private final MBeanServer server = MBeanServerFactory.newMBeanServer();

    private Object attr(ObjectName name, String attribute) throws Exception {
        return server.getAttribute(name, attribute);
    }

    @Test
    void clusterAttributesMapTheClusterStatus() throws Exception {
        ObjectName name = ObjectNames.cluster();
        server.registerMBean(new ClusterBean(serving), name);

        assertEquals("turboserve", attr(name, "PlacementPolicy"));
        assertEquals("fixed", attr(name, "AutoscalingPolicy"));
        assertEquals("cpu", attr(name, "Executor"));
        assertEquals(4, attr(name, "Budget"));
        assertEquals(3, attr(name, "GpusReady"));
        assertEquals(1, attr(name, "MinBudget"));
        assertEquals(8, attr(name, "MaxBudget"));
        assertEquals(4, attr(name, "SessionsPerGpu"));
        assertEquals(5, attr(name, "SessionsAlive"));
        assertEquals(2, attr(name, "SessionsActive"));
        assertEquals(3, attr(name, "SessionsResident"));
        assertEquals(1, attr(name, "SessionsOffloaded"));
        assertEquals(1234L, attr(name, "ChunksDelivered"));
        assertEquals(7L, attr(name, "Migrations"));
        assertEquals(6L, attr(name, "Offloads"));
        assertEquals(5L, attr(name, "Restores"));
        assertEquals(2L, attr(name, "RejectedPlanItems"));
        // 12_500_000 ns = 12.5 ms; 98_765 GPU-ms = 98.765 GPU-s
        assertEquals(12.5, attr(name, "WorstChunkLatencyMs"));
        assertEquals(98.765, attr(name, "GpuSeconds"));
        assertEquals(1L << 20, attr(name, "OffloadUsedBytes"));
        assertEquals(1L << 30, attr(name, "OffloadCapacityBytes"));
        assertArrayEquals(new String[] {"s1", "s2"}, (String[]) attr(name, "SessionIds"));
        assertArrayEquals(new int[] {0, 3}, (int[]) attr(name, "GpuIds"));
    }

    @Test
    void clusterKeepsAMissingLatencyAtMinusOneAndNullTextsEmpty() throws Exception {
        serving.cluster = new ClusterStatus("turboserve", "fixed", null, 0, 0, 0, 1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1,
                0, 0, 0);
        ObjectName name = ObjectNames.cluster();
        server.registerMBean(new ClusterBean(serving), name);

        assertEquals(-1.0, attr(name, "WorstChunkLatencyMs"));
        assertEquals("", attr(name, "Executor"));
    }

    @Test
    void clusterAttributesAreReadLiveOnEveryRead() throws Exception {
        ObjectName name = ObjectNames.cluster();
        server.registerMBean(new ClusterBean(serving), name);
        assertEquals("turboserve", attr(name, "PlacementPolicy"));

        serving.cluster = FakeServingService.cluster("least-loaded", "turboserve");

        assertEquals("least-loaded", attr(name, "PlacementPolicy"));
        assertEquals("turboserve", attr(name, "AutoscalingPolicy"));
    }

    @Test
    void sessionAttributesMapTheSessionStatusLive() throws Exception {
        ObjectName name = ObjectNames.session("s1");
        server.registerMBean(new SessionBean(serving, serving.sessions.get("s1")), name);

        assertEquals("s1", attr(name, "Id"));
        assertEquals("tenant-s1", attr(name, "Tenant"));
        assertEquals("tiny", attr(name, "Model"));
        assertEquals("ACTIVE", attr(name, "Lifecycle"));
        assertEquals("RESIDENT", attr(name, "Residency"));
        assertEquals(0, attr(name, "Gpu"));
        assertEquals(4096L, attr(name, "StateBytes"));
        assertEquals(2L, attr(name, "Epoch"));
        assertEquals(11L, attr(name, "NextChunkIndex"));
        assertEquals(10L, attr(name, "ChunksDelivered"));
        assertEquals(1, attr(name, "BufferedChunks"));
        // 750_000 ns = 0.75 ms; 2_250_000 ns = 2.25 ms
        assertEquals(0.75, attr(name, "LastChunkLatencyMs"));
        assertEquals(2.25, attr(name, "WorstChunkLatencyMs"));
        assertEquals("", attr(name, "Message"));
        assertEquals(false, attr(name, "Gone"));

        serving.withSession(new SessionStatus("s1", "tenant-s1", "tiny", Lifecycle.IDLE, Residency.OFFLOADED, -1,
                4096, 2, 11, 10, 0, -1, -1, "offloaded"));

        assertEquals("IDLE", attr(name, "Lifecycle"));
        assertEquals("OFFLOADED", attr(name, "Residency"));
        assertEquals(-1, attr(name, "Gpu"));
        assertEquals(-1.0, attr(name, "LastChunkLatencyMs"));
        assertEquals("offloaded", attr(name, "Message"));
    }

    @Test
    void departedSessionReadsAsGoneWithItsIdentityAndFinalCounters() throws Exception {
        ObjectName name = ObjectNames.session("s1");
        server.registerMBean(new SessionBean(serving, serving.sessions.get("s1")), name);
        serving.sessions.remove("s1");

        assertEquals(true, attr(name, "Gone"));
        assertEquals("DEPARTED", attr(name, "Lifecycle"));
        assertEquals("NONE", attr(name, "Residency"));
        assertEquals(-1, attr(name, "Gpu"));
        assertEquals(0, attr(name, "BufferedChunks"));
        assertEquals("tenant-s1", attr(name, "Tenant"));
        assertEquals(10L, attr(name, "ChunksDelivered"));
        assertEquals("gone: no session s1", attr(name, "Message"));
    }

    @Test
    void sessionClosedWithGoneKindAlsoReadsAsGone() throws Exception {
        serving.goneKind = ServingException.Kind.GONE;
        ObjectName name = ObjectNames.session("s2");
        server.registerMBean(new SessionBean(serving, serving.sessions.get("s2")), name);
        serving.sessions.remove("s2");

        assertEquals(true, attr(name, "Gone"));
        assertTrue(((String) attr(name, "Message")).startsWith("gone: "));
    }

    @Test
    void sessionStatusSaysDepartedReadsAsGoneWithTheServersMessage() throws Exception {
        ObjectName name = ObjectNames.session("s1");
        server.registerMBean(new SessionBean(serving, serving.sessions.get("s1")), name);
        serving.withSession(new SessionStatus("s1", "tenant-s1", "tiny", Lifecycle.DEPARTED, Residency.NONE, -1, 0, 2,
                11, 10, 0, 750_000, 2_250_000, "closed by the client"));

        assertEquals(true, attr(name, "Gone"));
        assertEquals("gone: closed by the client", attr(name, "Message"));
    }

    @Test
    void gpuAttributesMapTheGpuStatusLive() throws Exception {
        ObjectName name = ObjectNames.gpu(0);
        server.registerMBean(new GpuBean(serving, serving.gpus.get(0)), name);

        assertEquals(0, attr(name, "Id"));
        assertEquals("READY", attr(name, "State"));
        assertEquals(4, attr(name, "Capacity"));
        assertArrayEquals(new String[] {"s1"}, (String[]) attr(name, "Sessions"));
        assertEquals(3, attr(name, "FreeSlots"));
        assertEquals(100L, attr(name, "Steps"));
        assertEquals(3.0, attr(name, "LastStepMs"));
        assertEquals(1, attr(name, "LastBatch"));
        assertEquals(false, attr(name, "Gone"));

        serving.withGpu(new GpuStatus(0, GpuState.LOST, 4, List.of(), 4, 101, -1, 0));

        assertEquals("LOST", attr(name, "State"));
        assertEquals(101L, attr(name, "Steps"));
        assertEquals(-1.0, attr(name, "LastStepMs"));
    }

    @Test
    void releasedGpuReadsAsGone() throws Exception {
        ObjectName name = ObjectNames.gpu(0);
        server.registerMBean(new GpuBean(serving, serving.gpus.get(0)), name);
        serving.gpus.remove(0);

        assertEquals(true, attr(name, "Gone"));
        assertEquals("GONE", attr(name, "State"));
        assertArrayEquals(new String[0], (String[]) attr(name, "Sessions"));
        assertEquals(0, attr(name, "FreeSlots"));
        assertEquals(100L, attr(name, "Steps"));
    }

    @Test
    void policySlotShowsActiveAndAvailableAndSelects() throws Exception {
        ObjectName name = ObjectNames.policy(PolicySlot.AUTOSCALING);
        server.registerMBean(new PolicyBean(serving, PolicySlot.AUTOSCALING), name);

        assertEquals("autoscaling", attr(name, "Slot"));
        assertEquals("fixed", attr(name, "Active"));
        assertArrayEquals(new String[] {"fixed", "turboserve"}, (String[]) attr(name, "Available"));

        server.invoke(name, "select", new Object[] {" turboserve "}, new String[] {String.class.getName()});

        assertEquals(List.of("selectPolicy AUTOSCALING turboserve"), serving.calls);
    }

    @Test
    void clusterOperationsReachTheService() throws Exception {
        ObjectName name = ObjectNames.cluster();
        server.registerMBean(new ClusterBean(serving), name);
        String s = String.class.getName();
        String i = int.class.getName();

        server.invoke(name, "setBudgetBounds", new Object[] {2, 6}, new String[] {i, i});
        server.invoke(name, "selectPolicy", new Object[] {"Placement", "least-loaded"}, new String[] {s, s});
        server.invoke(name, "offloadSession", new Object[] {"s1"}, new String[] {s});
        server.invoke(name, "migrateSession", new Object[] {"s2", 3}, new String[] {s, i});
        server.invoke(name, "drainGpu", new Object[] {3}, new String[] {i});

        assertEquals(List.of("setBudgetBounds 2 6", "selectPolicy PLACEMENT least-loaded", "offload s1",
                "migrate s2 3", "drain 3"), serving.calls);
    }
}
