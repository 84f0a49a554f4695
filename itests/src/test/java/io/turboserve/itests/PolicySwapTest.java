package io.turboserve.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.Lifecycle;
import io.turboserve.api.SessionSpec;
import io.turboserve.api.serving.ChunkStream;
import io.turboserve.api.serving.ServingService;
import io.turboserve.api.serving.SessionStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/** Placement policies are swapped by configuration, and their bundle restarted, while sessions run. */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class PolicySwapTest {

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    ServingService serving;

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Server.await(what, java.time.Duration.ofSeconds(20), condition);
    }

    /** Reads chunks of every session until each has {@code more} more, checking indices continue. */
    private static void readMore(List<ChunkStream> streams, long[] next, int more) throws InterruptedException {
        for (int i = 0; i < streams.size(); i++) {
            for (int k = 0; k < more; k++) {
                var c = streams.get(i).next(Duration.ofSeconds(20));
                assertTrue(c != null, "session " + i + " keeps streaming");
                assertEquals(next[i]++, c.index());
            }
        }
    }

    @Test
    void swappingThePlacementPolicyWhileSessionsRunLosesNone() throws Exception {
        Server.pinPolicies(context, "least-loaded", "fixed");
        await("least-loaded serves", () -> serving.cluster().placementPolicy().equals("least-loaded"));
        List<String> ids = new ArrayList<>();
        List<ChunkStream> streams = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            SessionStatus s = serving.create(new SessionSpec("swap", "tiny", "prompt " + i, i, Map.of()));
            serving.activate(s.id());
            ids.add(s.id());
            streams.add(serving.stream(s.id()));
        }
        long[] next = new long[ids.size()];
        try {
            readMore(streams, next, 3);

            Server.pinPolicies(context, "round-robin", "fixed");
            await("round-robin serves", () -> serving.cluster().placementPolicy().equals("round-robin"));
            readMore(streams, next, 3);

            // Hot swap: stop the placement bundle; the previous policy keeps serving, nothing is lost.
            Bundle placement = null;
            for (Bundle b : context.getBundles()) {
                if (b.getSymbolicName().equals("io.turboserve.placement")) {
                    placement = b;
                }
            }
            placement.stop();
            // A session arriving while no policy bundle runs is placed by the previous policy.
            SessionStatus late = serving.create(new SessionSpec("swap", "tiny", "late", 99, Map.of()));
            serving.activate(late.id());
            readMore(streams, next, 2);
            placement.start();
            await("round-robin is bound again", () -> serving.policies(io.turboserve.api.serving.PolicySlot.PLACEMENT)
                    .contains("round-robin"));
            readMore(streams, next, 2);
            await("the late session streams", () -> {
                try {
                    return serving.status(late.id()).chunksDelivered() > 0;
                } catch (Exception e) {
                    return false;
                }
            });
            for (String id : ids) {
                assertEquals(Lifecycle.ACTIVE, serving.status(id).lifecycle());
            }
            serving.close(late.id());
        } finally {
            for (ChunkStream s : streams) {
                s.close();
            }
            for (String id : ids) {
                serving.close(id);
            }
            Server.pinPolicies(context, "least-loaded", "fixed");
        }
    }
}
