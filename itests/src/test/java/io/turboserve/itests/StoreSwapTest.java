package io.turboserve.itests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.Chunk;
import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.SessionSpec;
import io.turboserve.api.serving.ChunkStream;
import io.turboserve.api.serving.ServingService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * Stopping the offload store's bundle while a session's state is in it loses nothing: the state is
 * restored to a GPU with room before the store goes, and the session continues where it was.
 */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class StoreSwapTest {

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    ServingService serving;

    @Test
    void stoppingTheStoreBundleHandsItsStateBackToAGpu() throws Exception {
        Server.pinPolicies(context, "least-loaded", "fixed");
        SessionSpec spec = new SessionSpec("store-swap", "tiny", "a windmill at dawn", 13, Map.of());
        String id = serving.create(spec).id();
        serving.activate(id);
        Bundle store = null;
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName().equals("io.turboserve.offload.arrow")) {
                store = b;
            }
        }
        List<Chunk> chunks = new ArrayList<>();
        try (ChunkStream s = serving.stream(id)) {
            chunks.addAll(Server.read(s, 4));
            serving.idle(id);
            Server.await("offloaded while idle", Duration.ofSeconds(15), () -> status(id).residency() == Residency.OFFLOADED);
            while (s.next(Duration.ofMillis(200)) != null) {
                // chunks finished before the idle: not counted, the twin below regenerates them all
            }
            store.stop();
            try {
                assertEquals(Lifecycle.IDLE, status(id).lifecycle(), "not ended");
                assertEquals(Residency.RESIDENT, status(id).residency(), "back on a GPU before the store left");
            } finally {
                store.start();
            }
            serving.activate(id);
            chunks.addAll(Server.read(s, 4));
        }
        long first = chunks.get(4).index();
        assertTrue(first >= 4, "indices continue after the idle: " + first);
        String twin = serving.create(spec).id();
        serving.activate(twin);
        try (ChunkStream s = serving.stream(twin)) {
            List<Chunk> reference = Server.read(s, (int) first + 4);
            for (Chunk c : chunks) {
                assertArrayEquals(reference.get((int) c.index()).payload(), c.payload(), "chunk " + c.index());
            }
        }
        serving.close(id);
        serving.close(twin);
    }

    private io.turboserve.api.serving.SessionStatus status(String id) {
        try {
            return serving.status(id);
        } catch (io.turboserve.api.serving.ServingException e) {
            throw new AssertionError(e);
        }
    }
}
