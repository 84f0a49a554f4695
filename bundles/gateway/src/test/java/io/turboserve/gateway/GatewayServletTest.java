package io.turboserve.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.Chunk;
import io.turboserve.api.ChunkTimings;
import io.turboserve.api.Lifecycle;
import io.turboserve.api.SessionSpec;
import io.turboserve.api.serving.ServingException;
import java.lang.annotation.Annotation;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class GatewayServletTest {
    private final FakeServing serving = new FakeServing();
    private final GatewayServlet servlet = new GatewayServlet(serving,
            new GatewayServlet.Settings("tiny", "default", 1024, Duration.ofSeconds(1), 128));

    private FakeHttp.Response call(FakeHttp.Request request) throws Exception {
        FakeHttp.Response response = new FakeHttp.Response();
        servlet.service(request.proxy(), response.proxy());
        return response;
    }

    private String createSession() throws Exception {
        return (String) call(FakeHttp.Request.post("/sessions", "{\"prompt\":\"a cat\"}")).json().get("id");
    }

    @Test
    void aRuntimeThatCannotAnswerIs503NotAnEmptyList() throws Exception {
        // Review finding: the list read {"sessions":[],"count":0} while the controller was stuck.
        createSession();
        serving.unanswered = new ServingException(ServingException.Kind.UNAVAILABLE,
                "the controller did not answer within 10000 ms");
        FakeHttp.Response response = call(FakeHttp.Request.get("/sessions"));
        assertEquals(503, response.status);
        String body = response.body.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(body.contains("\"kind\":\"UNAVAILABLE\"") && body.contains("did not answer within 10000 ms"), body);
    }

    @Test
    void createAnswers201WithTheStatusAndItsLocation() throws Exception {
        FakeHttp.Response response = call(FakeHttp.Request.post("/sessions",
                "{\"prompt\":\"a cat on a skateboard\",\"model\":\"wan-1.3b\",\"tenant\":\"acme\",\"seed\":-7,"
                        + "\"options\":{\"fps\":\"16\"}}"));
        assertEquals(201, response.status);
        assertEquals("/v1/sessions/s1", response.headers.get("Location"));
        assertEquals("application/json", response.contentType);
        Map<String, Object> json = response.json();
        assertEquals("s1", json.get("id"));
        assertEquals("acme", json.get("tenant"));
        assertEquals("wan-1.3b", json.get("model"));
        assertEquals("ARRIVED", json.get("lifecycle"));
        assertEquals("NONE", json.get("residency"));
        assertEquals(new BigDecimal(-1), json.get("gpu"));
        assertTrue(json.containsKey("lastChunkLatencyMs"));
        assertNull(json.get("lastChunkLatencyMs"), "no chunk yet");
        assertEquals(List.of("id", "tenant", "model", "lifecycle", "residency", "gpu", "stateBytes", "epoch",
                "nextChunkIndex", "chunksDelivered", "bufferedChunks", "lastChunkLatencyMs", "worstChunkLatencyMs",
                "message"), List.copyOf(json.keySet()));
        assertEquals(new SessionSpec("acme", "wan-1.3b", "a cat on a skateboard", -7, Map.of("fps", "16")),
                serving.specs.get(0));
    }

    @Test
    void createFillsInTheConfiguredDefaultsAndAPromptDerivedSeed() throws Exception {
        assertEquals(201, call(FakeHttp.Request.post("/sessions", "{\"prompt\":\"a\",\"model\":null}")).status);
        SessionSpec spec = serving.specs.get(0);
        assertEquals("tiny", spec.model());
        assertEquals("default", spec.tenant());
        assertEquals(0xaf63dc4c8601ec8cL, spec.seed()); // FNV-1a 64 of "a"
        assertEquals(Map.of(), spec.options());
    }

    @Test
    void theLocationOfAnOddIdIsEncoded() {
        assertEquals("a%20b%2Fc%C3%A9~", GatewayServlet.encodeSegment("a b/cé~"));
    }

    @Test
    void anUnknownSessionIs404() throws Exception {
        FakeHttp.Response response = call(FakeHttp.Request.get("/sessions/nope"));
        assertEquals(404, response.status);
        assertEquals(Map.of("status", new BigDecimal(404), "kind", "NOT_FOUND", "message", "no session nope"),
                response.error());
    }

    @Test
    void malformedJsonIs400NamingWhereAndWhat() throws Exception {
        FakeHttp.Response response = call(FakeHttp.Request.post("/sessions", "{\"prompt\": \"x\",}"));
        assertEquals(400, response.status);
        assertEquals("INVALID", response.error().get("kind"));
        assertEquals("malformed JSON at line 1, column 16 (character 15): unexpected character '}', expected an"
                + " object key in double quotes", response.error().get("message"));
        assertTrue(serving.specs.isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"prompt\": 5}|field \"prompt\" must be a string, got a number",
        "{\"prompt\": \"x\", \"seed\": 1.5}|field \"seed\" must be an integer between",
        "{\"prompt\": \"x\", \"seed\": \"1\"}|field \"seed\" must be an integer, got a string",
        "{\"prompt\": \"x\", \"seed\": 9223372036854775808}|field \"seed\" must be an integer between",
        "{\"prompt\": \"x\", \"options\": {\"fps\": 16}}|field \"options.fps\" must be a string, got a number",
        "{\"prompt\": \"x\", \"options\": []}|field \"options\" must be a JSON object, got an array",
        "{\"prompt\": \"x\", \"tenant\": \" \"}|field \"tenant\" must not be empty",
        "{\"promt\": \"x\"}|unknown field \"promt\"",
        "{}|field \"prompt\" is required",
        "[1]|the request body must be a JSON object, got an array",
    })
    void badFieldsAre400NamingTheField(String row) throws Exception {
        String[] parts = row.split("\\|");
        FakeHttp.Response response = call(FakeHttp.Request.post("/sessions", parts[0]));
        assertEquals(400, response.status, response.text());
        assertTrue(((String) response.error().get("message")).startsWith(parts[1]), response.text());
    }

    @Test
    void aBodyLargerThanTheLimitIs413ByItsLengthWithoutReadingIt() throws Exception {
        FakeHttp.Request request = FakeHttp.Request.post("/sessions", "{\"prompt\":\"" + "x".repeat(2000) + "\"}");
        FakeHttp.Response response = call(request);
        assertEquals(413, response.status);
        assertEquals("PAYLOAD_TOO_LARGE", response.error().get("kind"));
        assertEquals("the request body of " + request.contentLength + " bytes exceeds the limit of 1024 bytes",
                response.error().get("message"));
        assertFalse(request.bodyRead);
        assertEquals("close", response.headers.get("Connection"), "the unread body ends the connection");
        assertTrue(response.committed, "the answer is sent at once");
    }

    @Test
    void aChunkedBodyLargerThanTheLimitIs413WhileReading() throws Exception {
        // {"prompt":"…"} is 13 bytes around the x's
        byte[] big = ("{\"prompt\":\"" + "x".repeat(1025 - 13) + "\"}").getBytes(StandardCharsets.UTF_8);
        FakeHttp.Response response = call(FakeHttp.Request.post("/sessions").body("application/json", big, true));
        assertEquals(413, response.status);
        assertEquals("the request body exceeds the limit of 1024 bytes", response.error().get("message"));

        byte[] fits = ("{\"prompt\":\"" + "x".repeat(1024 - 13) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertEquals(201, call(FakeHttp.Request.post("/sessions").body("application/json", fits, true)).status);
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "application/json; charset=ISO-8859-1"})
    void aBodyOfAnotherTypeIs415(String type) throws Exception {
        FakeHttp.Response response = call(FakeHttp.Request.post("/sessions")
                .body(type, "{\"prompt\":\"x\"}".getBytes(StandardCharsets.UTF_8), false));
        assertEquals(415, response.status);
        assertEquals("UNSUPPORTED_MEDIA_TYPE", response.error().get("kind"));
    }

    @Test
    void aJsonTypeWithUtf8CharsetIsAccepted() throws Exception {
        FakeHttp.Response response = call(FakeHttp.Request.post("/sessions")
                .body("Application/JSON; charset=\"utf-8\"", "{\"prompt\":\"é\"}".getBytes(StandardCharsets.UTF_8),
                        false));
        assertEquals(201, response.status);
        assertEquals("é", serving.specs.get(0).prompt());
    }

    @Test
    void aBodyThatIsNotUtf8Is400() throws Exception {
        FakeHttp.Response response = call(FakeHttp.Request.post("/sessions")
                .body("application/json", new byte[] {'{', (byte) 0xff, '}'}, false));
        assertEquals(400, response.status);
        assertEquals("the request body is not valid UTF-8", response.error().get("message"));
    }

    @ParameterizedTest
    @EnumSource(ServingException.Kind.class)
    void everyServingRefusalKeepsItsKindAndStatus(ServingException.Kind kind) throws Exception {
        String id = createSession();
        serving.failure = new ServingException(kind, "refused: " + kind);
        FakeHttp.Response response = call(FakeHttp.Request.post("/sessions/" + id + "/active"));
        assertEquals(kind.httpStatus(), response.status);
        assertEquals(Map.of("status", new BigDecimal(kind.httpStatus()), "kind", kind.name(), "message",
                "refused: " + kind), response.error());
    }

    @Test
    void anUnexpectedFailureIs500WithoutItsInternals() throws Exception {
        FakeServing broken = new FakeServing() {
            @Override
            public List<io.turboserve.api.serving.SessionStatus> sessions() {
                throw new IllegalStateException("secret internals");
            }
        };
        GatewayServlet gateway = new GatewayServlet(broken,
                new GatewayServlet.Settings("tiny", "default", 1024, Duration.ofSeconds(1), 128));
        FakeHttp.Response response = new FakeHttp.Response();
        gateway.service(FakeHttp.Request.get("/sessions").proxy(), response.proxy());
        assertEquals(500, response.status);
        assertEquals("INTERNAL", response.error().get("kind"));
        assertFalse(response.text().contains("secret"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/nothing", "/sessions/s1/nothing", "/sessions/s1/chunks/more", "/sessions//active"})
    void anUnknownPathIs404(String path) throws Exception {
        FakeHttp.Response response = call(FakeHttp.Request.get(path));
        assertEquals(404, response.status, path);
        assertEquals("NOT_FOUND", response.error().get("kind"));
    }

    @Test
    void theBareApiRootIs404() throws Exception {
        assertEquals(404, call(FakeHttp.Request.get(null)).status);
    }

    @Test
    void aWrongMethodIs405WithTheAllowedOnes() throws Exception {
        FakeHttp.Response response = call(new FakeHttp.Request("PUT", "/sessions"));
        assertEquals(405, response.status);
        assertEquals("GET, POST, OPTIONS", response.headers.get("Allow"));
        assertEquals("METHOD_NOT_ALLOWED", response.error().get("kind"));

        response = call(FakeHttp.Request.get("/sessions/s1/active"));
        assertEquals(405, response.status);
        assertEquals("POST, OPTIONS", response.headers.get("Allow"));

        response = call(FakeHttp.Request.post("/sessions/s1"));
        assertEquals("GET, DELETE, OPTIONS", response.headers.get("Allow"));

        response = call(new FakeHttp.Request("OPTIONS", "/sessions/s1/chunks"));
        assertEquals(204, response.status);
        assertEquals("GET, OPTIONS", response.headers.get("Allow"));
    }

    @Test
    void theLifecycleRequestsAnswerTheNewStatus() throws Exception {
        String id = createSession();
        assertEquals("ACTIVE", call(FakeHttp.Request.post("/sessions/" + id + "/active")).json().get("lifecycle"));
        assertEquals("IDLE", call(FakeHttp.Request.post("/sessions/" + id + "/idle", "{}")).json().get("lifecycle"));
        FakeHttp.Response withField = call(FakeHttp.Request.post("/sessions/" + id + "/active", "{\"now\":true}"));
        assertEquals(400, withField.status);
        assertEquals(Lifecycle.IDLE, serving.sessions.get(id).lifecycle());

        FakeHttp.Response status = call(FakeHttp.Request.get("/sessions/" + id + "/"));
        assertEquals(200, status.status);
        assertEquals("IDLE", status.json().get("lifecycle"));

        FakeHttp.Response closed = call(new FakeHttp.Request("DELETE", "/sessions/" + id));
        assertEquals(200, closed.status);
        assertEquals("DEPARTED", closed.json().get("lifecycle"));
        assertEquals(404, call(FakeHttp.Request.get("/sessions/" + id)).status);
    }

    @Test
    void theListHoldsEverySession() throws Exception {
        createSession();
        createSession();
        Map<String, Object> json = call(FakeHttp.Request.get("/sessions")).json();
        assertEquals(new BigDecimal(2), json.get("count"));
        assertEquals(2, ((List<?>) json.get("sessions")).size());
    }

    private static Chunk chunk(String session, long index, byte[] payload) {
        // requested at 1 ms, step from 2 ms to 3.5 ms: latency 2.5 ms, step 1.5 ms
        return new Chunk(session, index, payload, Chunk.crc32cOf(payload),
                new ChunkTimings(1_000_000, 2_000_000, 3_500_000, 3));
    }

    @Test
    void chunksStreamAsServerSentEventsWithKeepAlivesAndAnEnd() throws Exception {
        String id = createSession();
        byte[] payload = {1, 2, 3, (byte) 0xff};
        serving.stream.then(chunk(id, 0, payload)).then(FakeServing.Stream.TIMEOUT).then(chunk(id, 1, new byte[8]));
        FakeHttp.Response response = call(FakeHttp.Request.get("/sessions/" + id + "/chunks"));

        assertEquals(200, response.status);
        assertEquals("text/event-stream", response.contentType);
        assertEquals("no-cache", response.headers.get("Cache-Control"));
        String text = response.text();
        List<String> events = List.of(text.split("\n\n"));
        assertEquals(": chunks of session s1", events.get(0));
        assertTrue(events.get(1).startsWith("event: chunk\nid: 0\ndata: {"), events.get(1));
        assertEquals(": keep-alive", events.get(2));
        assertTrue(events.get(3).startsWith("event: chunk\nid: 1\ndata: "), events.get(3));
        assertEquals("event: end\ndata: {\"reason\":\"session closed\",\"chunks\":2}", events.get(4));
        assertEquals(5, events.size());
        assertTrue(response.flushes >= 5, "flushed per event");
        assertTrue(serving.stream.closed);

        @SuppressWarnings("unchecked")
        Map<String, Object> data = (Map<String, Object>) Json.parse(events.get(1).split("data: ", 2)[1]);
        assertEquals(List.of("session", "index", "bytes", "crc32c", "requestedAt", "latencyMs", "stepMs", "batch",
                "payload"), List.copyOf(data.keySet()));
        assertEquals(id, data.get("session"));
        assertEquals(new BigDecimal(4), data.get("bytes"));
        assertEquals(new BigDecimal(Integer.toUnsignedLong(Chunk.crc32cOf(payload))), data.get("crc32c"));
        assertTrue(((BigDecimal) data.get("crc32c")).signum() >= 0);
        assertEquals(new BigDecimal("1.000"), data.get("requestedAt"));
        assertEquals(new BigDecimal("2.500"), data.get("latencyMs"));
        assertEquals(new BigDecimal("1.500"), data.get("stepMs"));
        assertEquals(new BigDecimal(3), data.get("batch"));
        assertArrayEquals(payload, Base64.getDecoder().decode((String) data.get("payload")));
    }

    @Test
    void aLimitEndsTheStreamAfterThatManyChunks() throws Exception {
        String id = createSession();
        for (int i = 0; i < 5; i++) {
            serving.stream.then(chunk(id, i, new byte[] {(byte) i}));
        }
        FakeHttp.Response response = call(FakeHttp.Request.get("/sessions/" + id + "/chunks").parameter("limit", "2"));
        String text = response.text();
        assertEquals(2, text.split("event: chunk").length - 1);
        assertTrue(text.endsWith("event: end\ndata: {\"reason\":\"limit\",\"chunks\":2}\n\n"), text);
        assertEquals(2, serving.stream.nextCalls, "no chunk is taken from the session beyond the limit");
        assertTrue(serving.stream.closed);
    }

    private String sessionWithFiveChunks() throws Exception {
        String id = createSession();
        for (int i = 0; i < 5; i++) {
            serving.stream.then(chunk(id, i, new byte[] {(byte) i}));
        }
        return id;
    }

    /** A gateway pacing to 750 ms of video a chunk, 2 ahead, on a virtual clock its sleeps move. */
    private GatewayServlet pacedServlet(AtomicLong clock, List<Long> sleeps) {
        return new GatewayServlet(serving, new GatewayServlet.Settings("tiny", "default", 1024, Duration.ofSeconds(1), 128,
                Duration.ofMillis(750), 2), clock::get, nanos -> {
                    sleeps.add(nanos);
                    clock.addAndGet(nanos);
                });
    }

    @Test
    void aPacedStreamSendsNoFasterThanItsClientPlaysAndLeavesTheRestInTheSession() throws Exception {
        // Review finding: socket buffers took thousands of small chunks while the client had read a
        // few hundred, so generation never paused and a client gone lost minutes of video.
        String id = sessionWithFiveChunks();
        AtomicLong clock = new AtomicLong();
        List<Long> sleeps = new ArrayList<>();
        FakeHttp.Response response = call(pacedServlet(clock, sleeps),
                FakeHttp.Request.get("/sessions/" + id + "/chunks").parameter("limit", "5"));
        assertEquals(5, response.text().split("event: chunk").length - 1);
        // Chunks 0 and 1 at once (playout starts with chunk 0), chunk 2 once 750 ms have played,
        // chunk 3 at 1.5 s, chunk 4 at 2.25 s: each taken from the session only when it may go.
        assertEquals(2_250_000_000L, clock.get());
        assertEquals(List.of(750_000_000L, 750_000_000L, 750_000_000L), sleeps);
    }

    @Test
    void aClientMayAskForNoPacing() throws Exception {
        String id = sessionWithFiveChunks();
        AtomicLong clock = new AtomicLong();
        List<Long> sleeps = new ArrayList<>();
        FakeHttp.Response response = call(pacedServlet(clock, sleeps),
                FakeHttp.Request.get("/sessions/" + id + "/chunks").parameter("limit", "5").parameter("pace", "off"));
        assertEquals(5, response.text().split("event: chunk").length - 1);
        assertEquals(List.of(), sleeps);
        FakeHttp.Response bad = call(pacedServlet(clock, sleeps),
                FakeHttp.Request.get("/sessions/" + id + "/chunks").parameter("pace", "fast"));
        assertEquals(400, bad.status);
        assertTrue(bad.text().contains("pace must be on or off, got 'fast'"), bad.text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "ten", ""})
    void aBadLimitIs400AndOpensNoStream(String limit) throws Exception {
        String id = createSession();
        FakeHttp.Response response = call(FakeHttp.Request.get("/sessions/" + id + "/chunks").parameter("limit", limit));
        assertEquals(400, response.status);
        assertNull(serving.streamedSession);
    }

    @Test
    void aClientThatGoesAwayClosesItsStream() throws Exception {
        String id = createSession();
        for (int i = 0; i < 10; i++) {
            serving.stream.then(chunk(id, i, new byte[] {(byte) i}));
        }
        FakeHttp.Response response = new FakeHttp.Response();
        response.failAtFlush = 3; // the opening comment and chunk 0 went out; chunk 1 finds the client gone
        servlet.service(FakeHttp.Request.get("/sessions/" + id + "/chunks").proxy(), response.proxy());
        assertTrue(serving.stream.closed);
        assertEquals(2, serving.stream.nextCalls);
        assertFalse(response.text().contains("event: end"));
        // chunk 1 never reached the client: it is given back for the next reader
        assertEquals(1, serving.stream.unread.size());
        assertEquals(1, serving.stream.unread.get(0).index());
        assertEquals(0, servlet.openStreams());
    }

    @Test
    void aReconnectingClientResumesAfterItsLastEventIdWithoutDuplicates() throws Exception {
        String id = createSession();
        // chunk 1 was written when the old connection broke, but had reached the client
        serving.produced(id, 4);
        for (int i = 1; i < 4; i++) {
            serving.stream.then(chunk(id, i, new byte[] {(byte) i}));
        }
        FakeHttp.Response response = call(FakeHttp.Request.get("/sessions/" + id + "/chunks").header("Last-Event-ID", "1")
                .parameter("limit", "2"));
        assertEquals(200, response.status);
        String text = response.text();
        assertFalse(text.contains("id: 1\n"), text);
        assertTrue(text.contains(": skipped chunk 1, the client has it\n\n"), text);
        assertTrue(text.contains("event: chunk\nid: 2\n") && text.contains("event: chunk\nid: 3\n"), text);
        assertFalse(text.contains("event: gap"), text);
    }

    @Test
    void chunksSentButLostWithTheConnectionComeAgainOnResume() throws Exception {
        // Chunks 2 and 3 were written to the old connection (taken from the session) but never
        // reached the client, whose last chunk is 1: the session kept them, and they are sent again.
        String id = createSession();
        serving.produced(id, 5);
        serving.stream.taken.add(chunk(id, 2, new byte[] {2}));
        serving.stream.taken.add(chunk(id, 3, new byte[] {3}));
        serving.stream.then(chunk(id, 4, new byte[] {4}));
        FakeHttp.Response response = call(FakeHttp.Request.get("/sessions/" + id + "/chunks").header("Last-Event-ID", "1")
                .parameter("limit", "3"));
        String text = response.text();
        assertEquals(java.util.List.of(1L), serving.stream.rewinds);
        assertTrue(text.contains("event: chunk\nid: 2\n") && text.contains("event: chunk\nid: 3\n")
                && text.contains("event: chunk\nid: 4\n"), text);
        assertFalse(text.contains("event: gap"), text);
    }

    @Test
    void chunksAnEarlierReaderTookAreReportedAsAGap() throws Exception {
        String id = createSession();
        serving.produced(id, 6);
        serving.stream.then(chunk(id, 5, new byte[] {5}));
        FakeHttp.Response response = call(FakeHttp.Request.get("/sessions/" + id + "/chunks").parameter("lastEventId", "2")
                .parameter("limit", "1"));
        String text = response.text();
        assertTrue(text.contains("event: gap\ndata: {\"missingFrom\":3,\"missingTo\":4}\n\nevent: chunk\nid: 5\n"), text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "x", "1.5"})
    void aBadLastEventIdIs400(String value) throws Exception {
        String id = createSession();
        FakeHttp.Response response = call(FakeHttp.Request.get("/sessions/" + id + "/chunks").header("Last-Event-ID", value));
        assertEquals(400, response.status);
        assertTrue(response.text().contains("Last-Event-ID header must be the index of a chunk"), response.text());
    }

    @Test
    void aStreamOfAnUnknownSessionIsAJson404() throws Exception {
        FakeHttp.Response response = call(FakeHttp.Request.get("/sessions/nope/chunks"));
        assertEquals(404, response.status);
        assertEquals("application/json", response.contentType);
    }

    @Test
    void streamsEndWhenTheGatewayStops() throws Exception {
        String id = createSession();
        serving.stream.then(chunk(id, 0, new byte[1]));
        servlet.deactivate();
        FakeHttp.Response response = call(FakeHttp.Request.get("/sessions/" + id + "/chunks"));
        assertTrue(response.text().endsWith("event: end\ndata: {\"reason\":\"gateway stopping\",\"chunks\":0}\n\n"));
        assertTrue(serving.stream.closed);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "header    | 42 | 1000000 | the Last-Event-ID header 1000000 is beyond what session s1 has produced: its next"
                + " chunk index is 42, so the last chunk a client can have is 41",
        "header    | 42 | 42      | the Last-Event-ID header 42 is beyond what session s1 has produced: its next chunk"
                + " index is 42, so the last chunk a client can have is 41",
        "parameter | 0  | 0       | lastEventId 0 is beyond what session s1 has produced: its next chunk index is 0"
                + " (no chunk yet)",
    })
    void aLastEventIdBeyondTheSessionsChunksIs400AndTakesNoChunk(String where, long next, String lastEventId,
            String message) throws Exception {
        String id = createSession();
        serving.produced(id, next);
        for (int i = 0; i < 3; i++) {
            serving.stream.then(chunk(id, next + i, new byte[] {(byte) i}));
        }
        FakeHttp.Request request = FakeHttp.Request.get("/sessions/" + id + "/chunks");
        if (where.equals("header")) {
            request.header("Last-Event-ID", lastEventId);
        } else {
            request.parameter("lastEventId", lastEventId);
        }
        FakeHttp.Response response = call(request);
        assertEquals(400, response.status, response.text());
        assertEquals("application/json", response.contentType);
        assertEquals("INVALID", response.error().get("kind"));
        assertTrue(((String) response.error().get("message")).startsWith(message), response.text());
        assertNull(serving.streamedSession, "no reader was attached");
        assertEquals(0, serving.stream.nextCalls, "no chunk was taken from the session");
        assertEquals(0, servlet.openStreams());
    }

    @Test
    void theLastChunkTheSessionMadeIsAValidResumePoint() throws Exception {
        String id = createSession();
        serving.produced(id, 3);
        serving.stream.then(chunk(id, 3, new byte[] {3}));
        FakeHttp.Response response = call(FakeHttp.Request.get("/sessions/" + id + "/chunks").header("Last-Event-ID", "2")
                .parameter("limit", "1"));
        assertEquals(200, response.status);
        assertTrue(response.text().contains("event: chunk\nid: 3\n"), response.text());
        assertFalse(response.text().contains("event: gap"), response.text());
    }

    @Test
    void skippingChunksTheClientHasStillNoticesThatItWentAway() throws Exception {
        String id = createSession();
        serving.produced(id, 10);
        for (int i = 3; i < 10; i++) {
            serving.stream.then(chunk(id, i, new byte[] {(byte) i}));
        }
        FakeHttp.Response response = new FakeHttp.Response();
        response.failAtFlush = 2; // the opening comment went out; the client is gone before chunk 3 is skipped
        servlet.service(FakeHttp.Request.get("/sessions/" + id + "/chunks").header("Last-Event-ID", "5").proxy(),
                response.proxy());
        assertEquals(1, serving.stream.nextCalls, "no chunk is taken after the client is seen gone");
        assertTrue(serving.stream.closed);
        assertTrue(serving.stream.unread.isEmpty(), "the skipped chunk was the client's already");
        assertEquals(0, servlet.openStreams());
        // The session's reader slot is free again: the client can reconnect.
        FakeHttp.Response again = call(FakeHttp.Request.get("/sessions/" + id + "/chunks").header("Last-Event-ID", "5")
                .parameter("limit", "1"));
        assertEquals(200, again.status);
        assertTrue(again.text().contains(": skipped chunk 4, the client has it\n\n: skipped chunk 5, the client has"
                + " it\n\nevent: chunk\nid: 6\n"), again.text());
    }

    private GatewayServlet servletWithStreamLimit(int max, AtomicLong clock) {
        return new GatewayServlet(serving,
                new GatewayServlet.Settings("tiny", "default", 1024, Duration.ofSeconds(1), max), clock::get);
    }

    private static FakeHttp.Response call(GatewayServlet gateway, FakeHttp.Request request) throws Exception {
        FakeHttp.Response response = new FakeHttp.Response();
        gateway.service(request.proxy(), response.proxy());
        return response;
    }

    @Test
    void aChunkStreamBeyondTheLimitIs503WithRetryAfter() throws Exception {
        GatewayServlet gateway = servletWithStreamLimit(1, new AtomicLong());
        String id = createSession();
        FakeHttp.Response[] during = new FakeHttp.Response[3];
        serving.stream.then(chunk(id, 0, new byte[1])).then((Runnable) () -> {
            try {
                // While the first stream is open: a second one is refused, the rest of the API answers.
                during[0] = call(gateway, FakeHttp.Request.get("/sessions/" + id + "/chunks"));
                during[1] = call(gateway, FakeHttp.Request.get("/sessions/" + id));
                during[2] = call(gateway, FakeHttp.Request.get("/sessions/nosuch/chunks"));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).then(chunk(id, 1, new byte[1]));
        FakeHttp.Response first = call(gateway, FakeHttp.Request.get("/sessions/" + id + "/chunks")
                .parameter("limit", "2"));
        assertEquals(200, first.status);
        assertTrue(first.text().endsWith("event: end\ndata: {\"reason\":\"limit\",\"chunks\":2}\n\n"), first.text());

        FakeHttp.Response refused = during[0];
        assertEquals(503, refused.status);
        assertEquals("application/json", refused.contentType);
        assertEquals(String.valueOf(GatewayServlet.STREAM_RETRY_AFTER_SECONDS), refused.headers.get("Retry-After"));
        assertEquals(Map.of("status", new BigDecimal(503), "kind", "UNAVAILABLE", "message",
                "the gateway is serving its most concurrent chunk streams: 1 open, the limit is 1; try again in 5 s"),
                refused.error());
        assertEquals(200, during[1].status);
        assertEquals(404, during[2].status, "an unknown session is a 404 whatever the streams open");

        // The slot is given back when the stream ends.
        assertEquals(0, gateway.openStreams());
        serving.stream.then(chunk(id, 2, new byte[1]));
        FakeHttp.Response after = call(gateway, FakeHttp.Request.get("/sessions/" + id + "/chunks").parameter("limit", "1"));
        assertEquals(200, after.status);
        assertTrue(after.text().contains("event: chunk\nid: 2\n"), after.text());
        assertEquals(0, gateway.openStreams());
    }

    @Test
    void theStreamSlotIsGivenBackWhateverEndsTheStream() throws Exception {
        GatewayServlet gateway = servletWithStreamLimit(1, new AtomicLong());
        String id = createSession();

        // the serving service refuses the stream
        serving.stream.reading = true;
        assertEquals(409, call(gateway, FakeHttp.Request.get("/sessions/" + id + "/chunks")).status);
        serving.stream.reading = false;
        assertEquals(0, gateway.openStreams());

        // the serving service fails while the stream is open
        serving.stream.then(chunk(id, 0, new byte[1])).then(new IllegalStateException("executor lost"));
        call(gateway, FakeHttp.Request.get("/sessions/" + id + "/chunks"));
        assertTrue(serving.stream.closed);
        assertEquals(0, gateway.openStreams());

        // the client goes away
        serving.stream.then(chunk(id, 1, new byte[1]));
        FakeHttp.Response gone = new FakeHttp.Response();
        gone.failAtFlush = 2;
        gateway.service(FakeHttp.Request.get("/sessions/" + id + "/chunks").proxy(), gone.proxy());
        assertEquals(0, gateway.openStreams());

        // the gateway stops
        gateway.deactivate();
        call(gateway, FakeHttp.Request.get("/sessions/" + id + "/chunks"));
        assertEquals(0, gateway.openStreams());

        GatewayServlet next = servletWithStreamLimit(1, new AtomicLong());
        serving.stream.script.clear();
        serving.stream.then(chunk(id, 1, new byte[1]));
        assertEquals(200, call(next, FakeHttp.Request.get("/sessions/" + id + "/chunks").parameter("limit", "1")).status);
    }

    @Test
    void refusedStreamsAreLoggedAtMostOnceAMinute() throws Exception {
        AtomicLong clock = new AtomicLong(TimeUnit.HOURS.toNanos(5));
        GatewayServlet gateway = servletWithStreamLimit(1, clock);
        String id = createSession();
        long start = clock.get();
        long[] refusedAtSeconds = {0, 10, 59, 60, 61, 119, 121};
        int[] refusals = {0};
        serving.stream.then((Runnable) () -> {
            for (long seconds : refusedAtSeconds) {
                clock.set(start + TimeUnit.SECONDS.toNanos(seconds));
                try {
                    if (call(gateway, FakeHttp.Request.get("/sessions/" + id + "/chunks")).status == 503) {
                        refusals[0]++;
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        });
        List<LogRecord> records = new java.util.ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    records.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(GatewayServlet.class.getName());
        logger.addHandler(capture);
        try {
            call(gateway, FakeHttp.Request.get("/sessions/" + id + "/chunks"));
        } finally {
            logger.removeHandler(capture);
        }
        assertEquals(refusedAtSeconds.length, refusals[0], "every stream beyond the limit is refused");
        // logged at 0 s (1 refused), 60 s (3 refused since), 121 s (3 refused since)
        assertEquals(3, records.size(), records.stream().map(LogRecord::getMessage).toList().toString());
        assertTrue(records.get(0).getMessage().startsWith("refused 1 chunk stream(s) since the last such message: 1"
                + " open, the limit is 1 (io.turboserve.gateway.http maxChunkStreams)"), records.get(0).getMessage());
        assertTrue(records.get(1).getMessage().startsWith("refused 3 chunk stream(s)"), records.get(1).getMessage());
        assertTrue(records.get(2).getMessage().startsWith("refused 3 chunk stream(s)"), records.get(2).getMessage());
    }

    @Test
    void theStreamLimitDefaultsWellBelowJettysThreadPool() throws Exception {
        assertEquals(128, GatewayServlet.Config.class.getMethod("maxChunkStreams").getDefaultValue());
    }

    @Test
    void configurationNamesEveryRejectedValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GatewayServlet.configure(config(" ", "default", 1, 10, 0)));
        assertEquals("io.turboserve.gateway.http: defaultModel must not be empty; maxBodyBytes must be between 2"
                + " and 16777216, got 1; keepAliveMillis must be between 50 and 60000, got 10; maxChunkStreams must"
                + " be between 1 and 100000, got 0", e.getMessage());
        assertEquals(new GatewayServlet.Settings("tiny", "default", 65536, Duration.ofSeconds(1), 128,
                Duration.ofMillis(750), 4), GatewayServlet.configure(config("tiny", "default", 65536, 1000, 128)));
    }

    @Test
    void aNewBodyLimitAppliesToTheNextRequest() throws Exception {
        servlet.modified(config("tiny", "default", 16, 1000, 128));
        assertEquals(413, call(FakeHttp.Request.post("/sessions", "{\"prompt\":\"twenty chars\"}")).status);
    }

    static GatewayServlet.Config config(String model, String tenant, int maxBody, long keepAlive, int maxStreams) {
        return new GatewayServlet.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return GatewayServlet.Config.class;
            }

            @Override
            public String defaultModel() {
                return model;
            }

            @Override
            public String defaultTenant() {
                return tenant;
            }

            @Override
            public int maxBodyBytes() {
                return maxBody;
            }

            @Override
            public long keepAliveMillis() {
                return keepAlive;
            }

            @Override
            public int maxChunkStreams() {
                return maxStreams;
            }

            @Override
            public long paceVideoMillis() {
                return 750;
            }

            @Override
            public int paceAheadChunks() {
                return 4;
            }
        };
    }
}
