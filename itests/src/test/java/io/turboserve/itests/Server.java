package io.turboserve.itests;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.turboserve.api.Chunk;
import io.turboserve.api.serving.ChunkStream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/** The running server as a client sees it: its HTTP address, JSON over HTTP, SSE chunks. */
final class Server {
    record Response(int status, String body) {
    }

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final String base;

    private Server(String base) {
        this.base = base;
    }

    /** Finds Jetty's address from the HTTP runtime service (the tests run it on a free port). */
    static Server find(BundleContext context) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            ServiceReference<?>[] refs = context.getServiceReferences("org.osgi.service.servlet.runtime.HttpServiceRuntime", null);
            if (refs != null) {
                for (ServiceReference<?> r : refs) {
                    Object ep = r.getProperty("osgi.http.endpoint");
                    String url = ep instanceof String[] a && a.length > 0 ? a[0]
                            : ep instanceof Iterable<?> it && it.iterator().hasNext() ? String.valueOf(it.iterator().next())
                            : ep == null ? null : ep.toString();
                    if (url != null && !url.matches(".*:0/?$")) {
                        return new Server(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no HTTP endpoint published by the HTTP runtime");
    }

    /** Waits until {@code condition} holds, checking every 50 ms; fails naming {@code what} after {@code timeout}. */
    static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting until " + what);
            }
            Thread.sleep(50);
        }
    }

    /** Reads the next {@code n} chunks of a stream, each within 30 s. */
    static List<Chunk> read(ChunkStream s, int n) throws InterruptedException {
        List<Chunk> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Chunk c = s.next(Duration.ofSeconds(30));
            assertNotNull(c, "chunk " + i + " arrives");
            list.add(c);
        }
        return list;
    }

    /** Pins the policies the tests rely on, so that later defaults cannot break them. */
    static void pinPolicies(BundleContext context, String placement, String autoscaling) throws Exception {
        // Selected on the running runtime and awaited, not written to its configuration: a
        // configuration update is applied asynchronously, so one still on its way could undo a
        // policy a test selects after this returns.
        io.turboserve.api.serving.ServingService serving = servingService(context);
        selectWhenBound(serving, io.turboserve.api.serving.PolicySlot.PLACEMENT, placement);
        selectWhenBound(serving, io.turboserve.api.serving.PolicySlot.AUTOSCALING, autoscaling);
        await(placement + "/" + autoscaling + " serve", Duration.ofSeconds(10), () -> {
            var c = serving.cluster();
            return c.placementPolicy().equals(placement) && c.autoscalingPolicy().equals(autoscaling);
        });
    }

    /** @return the serving service registered now, or once it is (within 10 s: after a restart of core). */
    static io.turboserve.api.serving.ServingService servingService(BundleContext context) throws InterruptedException {
        org.osgi.util.tracker.ServiceTracker<io.turboserve.api.serving.ServingService,
                io.turboserve.api.serving.ServingService> tracker = new org.osgi.util.tracker.ServiceTracker<>(context,
                        io.turboserve.api.serving.ServingService.class, null);
        tracker.open();
        try {
            io.turboserve.api.serving.ServingService serving = tracker.waitForService(10_000);
            assertNotNull(serving, "the serving service is registered");
            return serving;
        } finally {
            tracker.close();
        }
    }

    /** Selects {@code name} in {@code slot} once a policy of that name is bound (within 10 s). */
    static void selectWhenBound(io.turboserve.api.serving.ServingService serving,
            io.turboserve.api.serving.PolicySlot slot, String name) throws Exception {
        await(name + " is bound", Duration.ofSeconds(10), () -> serving.policies(slot).contains(name));
        serving.selectPolicy(slot, name);
    }

    /** Sets these properties of the serving runtime's configuration in one update (applied asynchronously). */
    static void configure(BundleContext context, java.util.Map<String, Object> values) throws Exception {
        ServiceReference<ConfigurationAdmin> ref = context.getServiceReference(ConfigurationAdmin.class);
        ConfigurationAdmin admin = context.getService(ref);
        Configuration c = admin.getConfiguration("io.turboserve.core.runtime", "?");
        Dictionary<String, Object> props = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
        values.forEach(props::put);
        c.update(props);
    }

    Response send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body());
    }

    /**
     * The status line's code for a POST that declares {@code contentLength} bytes and sends only
     * the first: a refusal by Content-Length, read without the race of a server that answers and
     * closes while a client is still sending a large body (the client may then see a reset instead
     * of the answer). One byte, because Jetty dispatches a request once some of its body is there.
     */
    int postDeclaring(String path, long contentLength) throws Exception {
        URI uri = URI.create(base);
        try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(20_000);
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + contentLength
                    + "\r\nConnection: close\r\n\r\n{";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            if (status == null || !status.startsWith("HTTP/1.1 ")) {
                throw new AssertionError("no HTTP status line: " + status);
            }
            return Integer.parseInt(status.substring(9, 12));
        }
    }

    /** Reads {@code n} chunk events of a session's SSE stream; returns each event's JSON data. */
    List<String> chunks(String id, int n) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/v1/sessions/" + id + "/chunks?limit=" + n))
                .timeout(Duration.ofSeconds(60)).GET().build();
        HttpResponse<java.io.InputStream> r = CLIENT.send(req, HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            throw new AssertionError("stream of " + id + " answered " + r.statusCode());
        }
        List<String> data = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String event = "";
            String line;
            while (data.size() < n && (line = in.readLine()) != null) {
                if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("data:") && event.equals("chunk")) {
                    data.add(line.substring(5).trim());
                }
            }
        }
        return data;
    }

    /** A string or number field of a flat JSON object (enough for these tests). */
    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*(\"((?:[^\"\\\\]++|\\\\.)*+)\"|[-0-9.eE]+|true|false|null)")
                .matcher(json);
        if (!m.find()) {
            throw new AssertionError("no field " + name + " in " + json);
        }
        return m.group(2) != null ? m.group(2) : m.group(1);
    }
}
