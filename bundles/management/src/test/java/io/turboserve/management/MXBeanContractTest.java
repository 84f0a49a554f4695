package io.turboserve.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.serving.PolicySlot;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.management.Descriptor;
import javax.management.JMX;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.OpenType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The MXBean interfaces are MXBeans, register as such, and expose open types only. */
class MXBeanContractTest {
    private final FakeServingService serving = new FakeServingService()
            .withGpu(FakeServingService.gpu(0, List.of("s1")))
            .withSession(FakeServingService.session("s1", Lifecycle.ACTIVE, Residency.RESIDENT, 0));
    private final MBeanServer server = MBeanServerFactory.newMBeanServer();

    @ParameterizedTest
    @ValueSource(classes = {ClusterMXBean.class, GpuMXBean.class, SessionMXBean.class, PolicyMXBean.class})
    void interfacesAreMXBeanInterfaces(Class<?> type) {
        assertTrue(JMX.isMXBeanInterface(type), type + " is an MXBean interface");
    }

    @Test
    void clusterShowsTheAgreedAttributesAndOperationsInOpenTypes() throws Exception {
        MBeanInfo info = registered(new ClusterBean(serving), ObjectNames.cluster());
        assertEquals(new TreeSet<>(Set.of("PlacementPolicy", "AutoscalingPolicy", "Executor", "Budget", "GpusReady",
                "MinBudget", "MaxBudget", "SessionsPerGpu", "SessionsAlive", "SessionsActive", "SessionsResident",
                "SessionsOffloaded", "ChunksDelivered", "Migrations", "Offloads", "Restores", "RejectedPlanItems",
                "WorstChunkLatencyMs", "GpuSeconds", "OffloadUsedBytes", "OffloadCapacityBytes", "SessionIds",
                "GpuIds")), attributes(info));
        assertEquals(new TreeSet<>(Set.of("setBudgetBounds", "selectPolicy", "offloadSession", "migrateSession",
                "drainGpu")), operations(info));
        assertAllOpen(info);
    }

    @Test
    void gpuShowsTheAgreedAttributesInOpenTypes() throws Exception {
        MBeanInfo info = registered(new GpuBean(serving, serving.gpus.get(0)), ObjectNames.gpu(0));
        assertEquals(new TreeSet<>(Set.of("Id", "State", "Capacity", "Sessions", "FreeSlots", "Steps", "LastStepMs",
                "LastBatch", "Gone")), attributes(info));
        assertEquals(Set.of("drain"), operations(info));
        assertAllOpen(info);
    }

    @Test
    void sessionShowsTheAgreedAttributesInOpenTypes() throws Exception {
        MBeanInfo info = registered(new SessionBean(serving, serving.sessions.get("s1")), ObjectNames.session("s1"));
        assertEquals(new TreeSet<>(Set.of("Id", "Tenant", "Model", "Lifecycle", "Residency", "Gpu", "StateBytes",
                "Epoch", "NextChunkIndex", "ChunksDelivered", "BufferedChunks", "LastChunkLatencyMs",
                "WorstChunkLatencyMs", "Message", "Gone")), attributes(info));
        assertEquals(new TreeSet<>(Set.of("offload", "migrate")), operations(info));
        assertAllOpen(info);
    }

    @Test
    void policyShowsTheAgreedAttributesInOpenTypes() throws Exception {
        MBeanInfo info = registered(new PolicyBean(serving, PolicySlot.PLACEMENT), ObjectNames.policy(PolicySlot.PLACEMENT));
        assertEquals(new TreeSet<>(Set.of("Slot", "Active", "Available")), attributes(info));
        assertEquals(Set.of("select"), operations(info));
        assertAllOpen(info);
    }

    @Test
    void operationResultsAreCompositeDataThatProxiesTurnBackIntoRecords() throws Exception {
        ObjectName name = ObjectNames.session("s1");
        server.registerMBean(new SessionBean(serving, serving.sessions.get("s1")), name);

        Object raw = server.invoke(name, "offload", new Object[0], new String[0]);
        CompositeData data = assertInstanceOf(CompositeData.class, raw);
        assertEquals("OFFLOADED", data.get("residency"));
        assertEquals(-1, data.get("gpu"));

        SessionMXBean proxy = JMX.newMXBeanProxy(server, name, SessionMXBean.class);
        SessionSnapshot after = proxy.migrate(2);
        assertEquals("IN_TRANSIT", after.residency());
        assertEquals("s1", after.id());
    }

    private MBeanInfo registered(Object bean, ObjectName name) throws Exception {
        server.registerMBean(bean, name);
        MBeanInfo info = server.getMBeanInfo(name);
        assertEquals("true", info.getDescriptor().getFieldValue("mxbean"));
        return info;
    }

    private static Set<String> attributes(MBeanInfo info) {
        return Arrays.stream(info.getAttributes()).map(MBeanAttributeInfo::getName)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> operations(MBeanInfo info) {
        return Arrays.stream(info.getOperations()).map(MBeanOperationInfo::getName)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static void assertAllOpen(MBeanInfo info) {
        for (MBeanAttributeInfo a : info.getAttributes()) {
            assertOpen(a.getName(), a.getDescriptor());
            assertTrue(a.isReadable() && !a.isWritable(), a.getName() + " is read-only");
        }
        for (MBeanOperationInfo o : info.getOperations()) {
            assertOpen(o.getName(), o.getDescriptor());
            Arrays.stream(o.getSignature()).forEach(p -> assertOpen(o.getName() + "/" + p.getName(), p.getDescriptor()));
        }
    }

    private static void assertOpen(String what, Descriptor descriptor) {
        assertInstanceOf(OpenType.class, descriptor.getFieldValue("openType"), what + " has an open type");
    }
}
