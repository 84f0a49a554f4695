package io.turboserve.management;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.serving.PolicySlot;
import io.turboserve.api.serving.ServingException;
import io.turboserve.api.serving.ServingException.Kind;
import java.io.IOException;
import java.util.List;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A refused operation reaches the JMX client as a JDK exception whose message starts with the
 * refusal's kind (Jolokia shows it as {@code error}, with status 400 for IllegalArgumentException).
 */
class OperationFailureTest {
    private final FakeServingService serving = new FakeServingService()
            .withGpu(FakeServingService.gpu(0, List.of("s1")))
            .withSession(FakeServingService.session("s1", Lifecycle.ACTIVE, Residency.RESIDENT, 0));
    private final MBeanServer server = MBeanServerFactory.newMBeanServer();
    private static final String S = String.class.getName();
    private static final String I = int.class.getName();

    private RuntimeException invokeFailing(ObjectName name, String op, Object[] args, String[] sig) {
        RuntimeMBeanException e = assertThrows(RuntimeMBeanException.class, () -> server.invoke(name, op, args, sig));
        return e.getTargetException();
    }

    @ParameterizedTest
    @CsvSource({
            "INVALID, java.lang.IllegalArgumentException",
            "NOT_FOUND, java.lang.IllegalArgumentException",
            "CONFLICT, java.lang.IllegalArgumentException",
            "GONE, java.lang.IllegalArgumentException",
            "UNAVAILABLE, java.lang.IllegalStateException",
            "INSUFFICIENT_STORAGE, java.lang.IllegalStateException",
            "INTERNAL, java.lang.IllegalStateException"})
    void eachKindBecomesAJdkExceptionNamingTheKind(Kind kind, String type) throws Exception {
        ObjectName name = ObjectNames.session("s1");
        server.registerMBean(new SessionBean(serving, serving.sessions.get("s1")), name);
        ServingException refusal = new ServingException(kind, "session s1 cannot move now");
        serving.refusal = refusal;

        RuntimeException e = invokeFailing(name, "offload", new Object[0], new String[0]);

        assertEquals(type, e.getClass().getName());
        assertEquals(kind.name() + ": session s1 cannot move now", e.getMessage());
        assertNull(e.getCause(), "no API class travels to a remote JMX client");
        assertArrayEquals(refusal.getStackTrace(), e.getStackTrace(), "the stack trace is where the server refused");
    }

    @Test
    void theRefusalsCauseIsNamedInTheMessage() throws Exception {
        ObjectName name = ObjectNames.cluster();
        server.registerMBean(new ClusterBean(serving), name);
        serving.refusal = new ServingException(Kind.INTERNAL, "migration of s1 failed",
                new IOException("transport closed"));

        RuntimeException e = invokeFailing(name, "migrateSession", new Object[] {"s1", 2}, new String[] {S, I});

        assertInstanceOf(IllegalStateException.class, e);
        assertEquals("INTERNAL: migration of s1 failed (cause: java.io.IOException: transport closed)",
                e.getMessage());
    }

    @Test
    void storeFullOnOffloadSaysInsufficientStorage() throws Exception {
        ObjectName name = ObjectNames.cluster();
        server.registerMBean(new ClusterBean(serving), name);
        serving.refusal = new ServingException(Kind.INSUFFICIENT_STORAGE, "offload store full: 1 GiB used");

        RuntimeException e = invokeFailing(name, "offloadSession", new Object[] {"s1"}, new String[] {S});

        assertEquals("INSUFFICIENT_STORAGE: offload store full: 1 GiB used", e.getMessage());
    }

    @Test
    void drainingAnUnknownGpuSaysNotFound() throws Exception {
        ObjectName name = ObjectNames.cluster();
        server.registerMBean(new ClusterBean(serving), name);

        RuntimeException e = invokeFailing(name, "drainGpu", new Object[] {9}, new String[] {I});

        assertInstanceOf(IllegalArgumentException.class, e);
        assertEquals("NOT_FOUND: no GPU 9", e.getMessage());
    }

    @Test
    void unknownPolicySlotIsRefusedBeforeReachingTheService() throws Exception {
        ObjectName name = ObjectNames.cluster();
        server.registerMBean(new ClusterBean(serving), name);

        RuntimeException e = invokeFailing(name, "selectPolicy", new Object[] {"scheduling", "x"}, new String[] {S, S});

        assertInstanceOf(IllegalArgumentException.class, e);
        assertEquals("INVALID: unknown policy slot 'scheduling'; expected placement or autoscaling", e.getMessage());
        assertTrue(serving.calls.isEmpty());
    }

    @Test
    void missingArgumentsAreRefusedAsInvalid() throws Exception {
        server.registerMBean(new ClusterBean(serving), ObjectNames.cluster());
        server.registerMBean(new PolicyBean(serving, PolicySlot.PLACEMENT), ObjectNames.policy(PolicySlot.PLACEMENT));

        assertEquals("INVALID: session id is required",
                invokeFailing(ObjectNames.cluster(), "offloadSession", new Object[] {null}, new String[] {S}).getMessage());
        assertEquals("INVALID: policy name is required",
                invokeFailing(ObjectNames.policy(PolicySlot.PLACEMENT), "select", new Object[] {" "}, new String[] {S})
                        .getMessage());
        assertTrue(serving.calls.isEmpty());
    }

    @Test
    void aStatusFailureOtherThanGoneIsReportedOnRead() throws Exception {
        ObjectName name = ObjectNames.session("s1");
        server.registerMBean(new SessionBean(serving, serving.sessions.get("s1")), name);
        serving.sessions.remove("s1");
        serving.goneKind = Kind.UNAVAILABLE;

        RuntimeMBeanException e = assertThrows(RuntimeMBeanException.class, () -> server.getAttribute(name, "Lifecycle"));

        assertEquals("UNAVAILABLE: no session s1", e.getTargetException().getMessage());
    }
}
