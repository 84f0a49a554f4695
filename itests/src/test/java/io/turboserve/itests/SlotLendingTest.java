package io.turboserve.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.Chunk;
import io.turboserve.api.SessionSpec;
import io.turboserve.api.serving.ClusterStatus;
import io.turboserve.api.serving.ChunkStream;
import io.turboserve.api.serving.ServingService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/**
 * Playout-slack placement in the real server: with one worker of four slots and five active
 * sessions, sessions with unwatched video lend their slots through the Arrow store (offload, then
 * restore), so every one of the five streams, and each stream's chunks follow on without a gap.
 */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class SlotLendingTest {

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    ServingService serving;

    @Test
    void fiveSessionsTakeTurnsOnFourSlots() throws Exception {
        ClusterStatus before = serving.cluster();
        assertEquals(4, before.sessionsPerGpu(), "the embedded defaults: K 4");
        // The bounds in one configuration update (applied asynchronously); the policies selected.
        Server.configure(context, Map.of("minBudget", 1, "maxBudget", 1));
        Server.pinPolicies(context, "playout-slack", "forecast");
        // Provisions asked for before the bounds changed may still come up and are drained again:
        // wait until one worker has stood alone for 2 s.
        long deadline = System.currentTimeMillis() + 30_000;
        long alone = -1;
        while (System.currentTimeMillis() < deadline && (alone < 0 || System.currentTimeMillis() - alone < 2_000)) {
            ClusterStatus c = serving.cluster();
            boolean one = c.maxBudget() == 1 && c.placementPolicy().equals("playout-slack") && c.gpusReady() == 1
                    && c.budget() == 1;
            alone = one ? (alone < 0 ? System.currentTimeMillis() : alone) : -1;
            Thread.sleep(50);
        }
        assertTrue(alone >= 0, "scaled in to one worker: " + serving.cluster());
        long offloadsBefore = before.offloads();
        List<String> ids = new ArrayList<>();
        ExecutorService readers = Executors.newFixedThreadPool(5);
        try {
            for (int i = 0; i < 5; i++) {
                String id = serving.create(new SessionSpec("lend-" + i, "tiny", "a lighthouse in fog", 100 + i, Map.of()))
                        .id();
                ids.add(id);
                serving.activate(id);
            }
            List<Future<List<Chunk>>> streams = new ArrayList<>();
            for (String id : ids) {
                // Each reader is a client that keeps reading, as a player does: its session keeps
                // generating while resident and so builds up video to lend its slot against.
                streams.add(readers.submit(() -> {
                    try (ChunkStream s = serving.stream(id)) {
                        return Server.read(s, 40);
                    }
                }));
            }
            for (int i = 0; i < ids.size(); i++) {
                List<Chunk> chunks = streams.get(i).get(120, TimeUnit.SECONDS);
                for (int k = 0; k < chunks.size(); k++) {
                    assertEquals(k, chunks.get(k).index(), ids.get(i) + ": chunks follow on across the swaps");
                }
            }
            ClusterStatus after = serving.cluster();
            assertEquals(1, after.gpusReady(), "still one worker: " + after);
            assertTrue(after.offloads() > offloadsBefore, "slots were lent by offloading active sessions: " + after);
        } finally {
            readers.shutdownNow();
            for (String id : ids) {
                serving.close(id);
            }
            Server.configure(context, Map.of("minBudget", before.minBudget(), "maxBudget", before.maxBudget()));
            Server.pinPolicies(context, before.placementPolicy(), before.autoscalingPolicy());
        }
    }
}
