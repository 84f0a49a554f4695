package io.turboserve.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.Residency;
import io.turboserve.api.SessionSpec;
import io.turboserve.api.offload.OffloadStore;
import io.turboserve.api.serving.ServingService;
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
 * Restarting the serving runtime's bundle ends its sessions (README) and gives back what they held
 * in the offload store, which outlives it: a review found the restarted runtime's store still full
 * of the dead sessions' slots.
 */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class CoreRestartTest {

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    ServingService serving;

    @InjectService(timeout = 10_000)
    OffloadStore store;

    @Test
    void restartingTheRuntimeFreesTheHostSlotsOfTheSessionsItEnds() throws Exception {
        Server.pinPolicies(context, "least-loaded", "fixed");
        long before = store.usedBytes();
        String id = serving.create(new SessionSpec("restart", "tiny", "a lighthouse in fog", 3, Map.of())).id();
        serving.activate(id);
        Server.await("resident", Duration.ofSeconds(15), () -> residency(id) == Residency.RESIDENT);
        serving.idle(id);
        Server.await("offloaded while idle", Duration.ofSeconds(15),
                () -> residency(id) == Residency.OFFLOADED);
        assertTrue(store.usedBytes() > before, "its state is in the store");

        Bundle core = null;
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName().equals("io.turboserve.core")) {
                core = b;
            }
        }
        core.stop();
        try {
            assertEquals(before, store.usedBytes(), "the ended session's slot is given back");
        } finally {
            core.start();
        }
        // The new runtime knows the session ended, and why: a reconnecting client gets 410, not 404.
        ServingService restarted = Server.servingService(context);
        io.turboserve.api.serving.ServingException gone = org.junit.jupiter.api.Assertions.assertThrows(
                io.turboserve.api.serving.ServingException.class, () -> restarted.status(id));
        assertEquals(io.turboserve.api.serving.ServingException.Kind.GONE, gone.kind(), gone.getMessage());
        assertTrue(gone.getMessage().contains("the serving runtime stopped"), gone.getMessage());
    }

    private Residency residency(String id) {
        try {
            return serving.status(id).residency();
        } catch (io.turboserve.api.serving.ServingException e) {
            throw new AssertionError(e);
        }
    }
}
