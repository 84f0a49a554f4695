package io.turboserve.itests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.turboserve.api.Chunk;
import io.turboserve.api.Residency;
import io.turboserve.api.SessionSpec;
import io.turboserve.api.serving.ChunkStream;
import io.turboserve.api.serving.ServingService;
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

/** Stopping the executor bundle offloads the state it holds first; its replacement restores it. */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class ExecutorSwapTest {

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    ServingService serving;

    @Test
    void stoppingTheExecutorBundleOffloadsItsStateAndTheReplacementRestoresIt() throws Exception {
        Server.pinPolicies(context, "least-loaded", "fixed");
        SessionSpec spec = new SessionSpec("swap", "tiny", "a lighthouse in a storm", 7, Map.of());
        String id = serving.create(spec).id();
        serving.activate(id);
        Bundle executor = null;
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName().equals("io.turboserve.executor.cpu")) {
                executor = b;
            }
        }
        List<Chunk> chunks = new ArrayList<>();
        try (ChunkStream s = serving.stream(id)) {
            chunks.addAll(Server.read(s, 5));
            executor.stop();
            assertEquals(Residency.OFFLOADED, serving.status(id).residency(), "offloaded before the executor left");
            assertEquals("", serving.cluster().executor());
            executor.start();
            chunks.addAll(Server.read(s, 10));
        }
        for (int i = 0; i < chunks.size(); i++) {
            assertEquals(i, chunks.get(i).index(), "indices continue across the swap");
        }
        String twin = serving.create(spec).id();
        serving.activate(twin);
        try (ChunkStream s = serving.stream(twin)) {
            List<Chunk> reference = Server.read(s, chunks.size());
            for (int i = 0; i < chunks.size(); i++) {
                assertArrayEquals(reference.get(i).payload(), chunks.get(i).payload(), "chunk " + i);
            }
        }
        serving.close(id);
        serving.close(twin);
    }
}
