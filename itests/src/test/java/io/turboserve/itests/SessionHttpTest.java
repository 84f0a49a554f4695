package io.turboserve.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.serving.ServingService;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/** A session end to end through the HTTP API, on the CPU executor. */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class SessionHttpTest {

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    ServingService serving;

    Server server;

    @BeforeEach
    void setUp() throws Exception {
        Server.pinPolicies(context, "least-loaded", "fixed");
        server = Server.find(context);
    }

    private String create(String prompt, long seed) throws Exception {
        Server.Response r = server.send("POST", "/v1/sessions",
                "{\"prompt\": \"" + prompt + "\", \"model\": \"tiny\", \"seed\": " + seed + "}");
        assertEquals(201, r.status(), r.body());
        return Server.field(r.body(), "id");
    }

    private String status(String id) throws Exception {
        Server.Response r = server.send("GET", "/v1/sessions/" + id, null);
        assertEquals(200, r.status(), r.body());
        return r.body();
    }

    private static List<String> payloads(List<String> events) {
        List<String> p = new ArrayList<>();
        for (String e : events) {
            p.add(Server.field(e, "payload"));
        }
        return p;
    }

    @Test
    void aSessionStreamsGoesIdleIsOffloadedAndResumesWithTheSameChunksAsAnUninterruptedOne() throws Exception {
        String id = create("a red fox running through snow", 42);
        assertEquals(200, server.send("POST", "/v1/sessions/" + id + "/active", null).status());
        List<String> first = server.chunks(id, 10);
        assertEquals(10, first.size());
        for (int i = 0; i < 10; i++) {
            assertEquals(String.valueOf(i), Server.field(first.get(i), "index"));
        }

        assertEquals(200, server.send("POST", "/v1/sessions/" + id + "/idle", null).status());
        long deadline = System.currentTimeMillis() + 15_000;
        while (!Server.field(status(id), "residency").equals("OFFLOADED") && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertEquals("OFFLOADED", Server.field(status(id), "residency"));
        assertEquals("-1", Server.field(status(id), "gpu"), "the GPU slot is free");

        assertEquals(200, server.send("POST", "/v1/sessions/" + id + "/active", null).status());
        // Chunks buffered before idle (at most 4 ahead) come first; indices continue without gaps.
        List<String> second = server.chunks(id, 10);
        long next = 10;
        for (String e : second) {
            assertEquals(String.valueOf(next++), Server.field(e, "index"));
        }

        // A twin that never went idle produces the very same chunks.
        String twin = create("a red fox running through snow", 42);
        assertEquals(200, server.send("POST", "/v1/sessions/" + twin + "/active", null).status());
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        List<String> twinChunks = server.chunks(twin, 20);
        assertEquals(payloads(all), payloads(twinChunks), "chunks after offload and restore equal uninterrupted ones");

        assertEquals(200, server.send("DELETE", "/v1/sessions/" + id, null).status());
        assertEquals(200, server.send("DELETE", "/v1/sessions/" + twin, null).status());
        assertEquals(410, server.send("DELETE", "/v1/sessions/" + id, null).status(), "a second close");
    }

    @Test
    void badRequestsGetClearClientErrors() throws Exception {
        Server.Response unknown = server.send("GET", "/v1/sessions/no-such-session", null);
        assertEquals(404, unknown.status());
        assertTrue(unknown.body().contains("no-such-session"), unknown.body());

        Server.Response malformed = server.send("POST", "/v1/sessions", "{\"prompt\": ");
        assertEquals(400, malformed.status(), malformed.body());

        String id = create("idle first", 1);
        Server.Response idleFirst = server.send("POST", "/v1/sessions/" + id + "/idle", null);
        assertEquals(409, idleFirst.status(), idleFirst.body());

        assertEquals(413, server.postDeclaring("/v1/sessions", 200_000), "a body over the limit is refused by its length");

        Server.Response badModel = server.send("POST", "/v1/sessions", "{\"prompt\": \"p\", \"model\": \"no-such-model\"}");
        assertEquals(400, badModel.status(), badModel.body());

        assertEquals(200, server.send("DELETE", "/v1/sessions/" + id, null).status());
    }
}
