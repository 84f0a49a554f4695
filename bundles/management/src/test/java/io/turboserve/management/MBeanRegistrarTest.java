package io.turboserve.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.serving.PolicySlot;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** Per-GPU and per-session MBeans follow the server, refresh by refresh. */
class MBeanRegistrarTest {
    private final FakeServingService serving = new FakeServingService();
    private final MBeanServer server = MBeanServerFactory.newMBeanServer();
    private final MBeanRegistrar registrar = new MBeanRegistrar(server, serving);

    private Set<String> ours() {
        return server.queryNames(ObjectNames.all(), null).stream().map(ObjectName::toString)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> names(String... names) {
        return new TreeSet<>(Set.of(names));
    }

    @Test
    void openRegistersTheClusterAndBothPolicySlotsWithoutCallingTheService() {
        serving.listingFailure = new IllegalStateException("not asked");

        registrar.open();

        assertEquals(names("io.turboserve:type=Cluster", "io.turboserve:type=Policy,slot=placement",
                "io.turboserve:type=Policy,slot=autoscaling"), ours());
    }

    @Test
    void refreshAddsAndRemovesGpusAndSessionsAsTheyComeAndGo() {
        registrar.open();
        serving.withGpu(FakeServingService.gpu(0, List.of("s1"))).withGpu(FakeServingService.gpu(1, List.of()))
                .withSession(FakeServingService.session("s1", Lifecycle.ACTIVE, Residency.RESIDENT, 0));

        registrar.refresh();

        assertEquals(names("io.turboserve:type=Cluster", "io.turboserve:type=Policy,slot=placement",
                "io.turboserve:type=Policy,slot=autoscaling", "io.turboserve:type=Gpu,id=0",
                "io.turboserve:type=Gpu,id=1", "io.turboserve:type=Session,id=s1"), ours());

        serving.gpus.remove(1);
        serving.sessions.remove("s1");
        serving.withSession(FakeServingService.session("s2", Lifecycle.ARRIVED, Residency.NONE, -1));
        registrar.refresh();

        assertEquals(names("io.turboserve:type=Cluster", "io.turboserve:type=Policy,slot=placement",
                "io.turboserve:type=Policy,slot=autoscaling", "io.turboserve:type=Gpu,id=0",
                "io.turboserve:type=Session,id=s2"), ours());
        assertEquals(ours(), registrar.registered().stream().map(ObjectName::toString)
                .collect(Collectors.toCollection(TreeSet::new)));
    }

    @Test
    void aRefreshWithNoChangeLeavesTheSameMBeansInPlace() throws Exception {
        registrar.open();
        serving.withSession(FakeServingService.session("s1", Lifecycle.ACTIVE, Residency.RESIDENT, 0));
        registrar.refresh();
        var before = server.getObjectInstance(ObjectNames.session("s1"));

        registrar.refresh();

        assertEquals(before, server.getObjectInstance(ObjectNames.session("s1")));
    }

    @Test
    void sessionIdsThatAreNotPlainObjectNameValuesAreQuoted() {
        registrar.open();
        serving.withSession(FakeServingService.session("a,b=c:d", Lifecycle.ARRIVED, Residency.NONE, -1))
                .withSession(FakeServingService.session("plain-id_42.x", Lifecycle.ARRIVED, Residency.NONE, -1));

        registrar.refresh();

        assertTrue(ours().contains("io.turboserve:type=Session,id=\"a,b=c:d\""), ours().toString());
        assertTrue(ours().contains("io.turboserve:type=Session,id=plain-id_42.x"), ours().toString());
        assertEquals("a,b=c:d", ObjectName.unquote(ObjectNames.session("a,b=c:d").getKeyProperty("id")));
    }

    @Test
    void aFailingListingLeavesEveryMBeanInPlace() {
        registrar.open();
        serving.withGpu(FakeServingService.gpu(0, List.of()));
        registrar.refresh();
        Set<String> before = ours();

        serving.listingFailure = new IllegalStateException("controller restarting");
        registrar.refresh();
        registrar.refresh();

        assertEquals(before, ours());
        serving.listingFailure = null;
        serving.gpus.clear();
        registrar.refresh();
        assertFalse(ours().contains("io.turboserve:type=Gpu,id=0"));
    }

    @Test
    void aNameHeldBySomeoneElseIsLeftAloneAndTakenWhenFreed() throws Exception {
        ObjectName gpu0 = ObjectNames.gpu(0);
        server.registerMBean(new PolicyBean(serving, PolicySlot.PLACEMENT), gpu0);
        registrar.open();
        serving.withGpu(FakeServingService.gpu(0, List.of()));

        registrar.refresh();

        assertFalse(registrar.registered().contains(gpu0));
        registrar.close();
        assertTrue(server.isRegistered(gpu0), "close leaves MBeans it did not register");

        server.unregisterMBean(gpu0);
        MBeanRegistrar second = new MBeanRegistrar(server, serving);
        second.open();
        second.refresh();
        assertTrue(second.registered().contains(gpu0));
    }

    @Test
    void aClusterNameTakenAtOpenIsTakenOnALaterRefresh() throws Exception {
        server.registerMBean(new PolicyBean(serving, PolicySlot.PLACEMENT), ObjectNames.cluster());
        registrar.open();
        assertFalse(registrar.registered().contains(ObjectNames.cluster()));

        server.unregisterMBean(ObjectNames.cluster());
        registrar.refresh();

        assertTrue(registrar.registered().contains(ObjectNames.cluster()));
        assertEquals("turboserve", server.getAttribute(ObjectNames.cluster(), "PlacementPolicy"));
    }

    @Test
    void closeUnregistersEverythingAndLaterRefreshesDoNothing() {
        registrar.open();
        serving.withGpu(FakeServingService.gpu(0, List.of("s1")))
                .withSession(FakeServingService.session("s1", Lifecycle.ACTIVE, Residency.RESIDENT, 0));
        registrar.refresh();

        registrar.close();
        registrar.refresh();
        registrar.open();

        assertEquals(Set.of(), ours());
        assertEquals(Set.of(), registrar.registered());
    }
}
