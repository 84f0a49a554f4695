package io.turboserve.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.SessionSpec;
import io.turboserve.api.serving.ChunkStream;
import io.turboserve.api.serving.PolicySlot;
import io.turboserve.api.serving.ServingService;
import java.io.File;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/**
 * A vendor's policy bundle (examples/vendor-policy, built against the API alone) is hot-deployed
 * into the running server, selected, serves sessions, and is uninstalled while they run.
 */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class VendorPolicyTest {

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    ServingService serving;

    @Test
    void aVendorPolicyBundleIsHotDeployedSelectedAndRemovedWhileSessionsRun() throws Exception {
        Server.pinPolicies(context, "least-loaded", "fixed");
        File jar = new File(context.getProperty("turboserve.example.bundle"));
        assertTrue(jar.isFile(), "the example bundle is built before these tests: " + jar);
        Bundle vendor = context.installBundle(jar.toURI().toString());
        try {
            vendor.start();
            Server.await("pack-first is bound", java.time.Duration.ofSeconds(10),
                    () -> serving.policies(PolicySlot.PLACEMENT).contains("pack-first"));
            serving.selectPolicy(PolicySlot.PLACEMENT, "pack-first");
            Server.await("pack-first serves", java.time.Duration.ofSeconds(10),
                    () -> serving.cluster().placementPolicy().equals("pack-first"));
            assertEquals("pack-first", serving.cluster().placementPolicy());

            // Pack-first puts two new sessions on the same GPU (least-loaded would spread them).
            String a = serving.create(new SessionSpec("vendor", "tiny", "pack a", 1, Map.of())).id();
            String b = serving.create(new SessionSpec("vendor", "tiny", "pack b", 2, Map.of())).id();
            serving.activate(a);
            try (ChunkStream s = serving.stream(a)) {
                assertNotNull(s.next(Duration.ofSeconds(20)));
            }
            serving.activate(b);
            try (ChunkStream s = serving.stream(b)) {
                assertNotNull(s.next(Duration.ofSeconds(20)));
            }
            assertEquals(serving.status(a).gpu(), serving.status(b).gpu());

            // Removing the bundle while they run loses nothing, and no decision runs its code any
            // more: a bound policy stands in until one named pack-first is bound again.
            vendor.uninstall();
            vendor = null;
            Server.await("a bound policy stands in for the uninstalled one", Duration.ofSeconds(10),
                    () -> !serving.cluster().placementPolicy().equals("pack-first"));
            try (ChunkStream s = serving.stream(a)) {
                assertNotNull(s.next(Duration.ofSeconds(20)), "still streaming after the policy bundle left");
            }
            serving.close(a);
            serving.close(b);
        } finally {
            if (vendor != null) {
                vendor.uninstall();
            }
            Server.pinPolicies(context, "least-loaded", "fixed");
        }
    }
}
