package io.turboserve.gateway;

import io.turboserve.api.Chunk;
import io.turboserve.api.SessionSpec;
import io.turboserve.api.config.ConfigValues;
import io.turboserve.api.serving.ChunkStream;
import io.turboserve.api.serving.ServingException;
import io.turboserve.api.serving.ServingService;
import io.turboserve.api.serving.SessionStatus;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * The client API under {@code /v1}, a servlet on the OSGi HTTP Whiteboard.
 *
 * <pre>
 * POST   /v1/sessions               create   -> 201 + Location
 * GET    /v1/sessions               list
 * GET    /v1/sessions/{id}          status
 * DELETE /v1/sessions/{id}          close    -> final status
 * POST   /v1/sessions/{id}/active   the user is watching
 * POST   /v1/sessions/{id}/idle     the user stepped away
 * GET    /v1/sessions/{id}/chunks   text/event-stream, one event per chunk; ?limit=N stops after N
 * </pre>
 *
 * <p>The serving service is a static, mandatory reference: constructor injection needs a static
 * one, and the servlet is only registered while there is a service to answer with, so there is no
 * "no service" state to handle. When the service is replaced the servlet is re-registered; open
 * chunk streams end with an {@code end} event (reason {@code gateway stopping}) within one
 * keep-alive interval and clients reconnect.
 *
 * <p>The chunk stream runs synchronously on the request's thread: {@link ChunkStream#next} blocks,
 * so an asynchronous servlet would still need a thread per stream. A client that goes away is seen
 * at the next write (an event or a keep-alive comment, at least once per keep-alive interval, and a
 * comment for every chunk skipped because the client already has it), and the stream is closed then.
 * Because each open stream holds a server thread, at most {@link Config#maxChunkStreams()} are open
 * at once; beyond that a stream is refused with 503 and {@code Retry-After}, so the rest of the API
 * (and {@code /jolokia}, on the same HTTP thread pool) keeps threads to run on.
 */
@Component(service = Servlet.class, configurationPid = GatewayServlet.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@HttpWhiteboardServletPattern("/v1/*")
@HttpWhiteboardServletName("io.turboserve.gateway")
@Designate(ocd = GatewayServlet.Config.class)
public final class GatewayServlet extends HttpServlet {
    /** The ConfigAdmin PID. */
    public static final String PID = "io.turboserve.gateway.http";

    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(GatewayServlet.class.getName());
    private static final List<String> COLLECTION_METHODS = List.of("GET", "POST");
    private static final List<String> SESSION_METHODS = List.of("GET", "DELETE");
    private static final List<String> POST_ONLY = List.of("POST");
    private static final List<String> GET_ONLY = List.of("GET");
    /** The Retry-After of a chunk stream refused because the gateway has its most open streams. */
    static final int STREAM_RETRY_AFTER_SECONDS = 5;
    /** Refused chunk streams are logged at most once per this interval. */
    static final long REFUSAL_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    @ObjectClassDefinition(name = "TurboServe HTTP gateway", description = "The client API under /v1.")
    public @interface Config {
        @AttributeDefinition(name = "Default model",
                description = "Model preset of a session whose create request names none. Default: tiny.")
        String defaultModel() default "tiny";

        @AttributeDefinition(name = "Default tenant",
                description = "Tenant of a session whose create request names none. Default: default.")
        String defaultTenant() default "default";

        @AttributeDefinition(name = "Largest request body (bytes)", min = "2", max = "16777216",
                description = "Larger bodies are refused with 413, by Content-Length and while reading."
                        + " Default 65536: a create request is a prompt and a few options.")
        int maxBodyBytes() default 65536;

        @AttributeDefinition(name = "Keep-alive interval (ms)", min = "50", max = "60000",
                description = "How long a chunk stream waits for the next chunk before it sends a keep-alive"
                        + " comment; also the longest a vanished client holds its stream. Default 1000.")
        long keepAliveMillis() default 1000;

        @AttributeDefinition(name = "Most concurrent chunk streams", min = "1", max = "100000",
                description = "Each open chunk stream holds one HTTP server thread for as long as it lasts; beyond"
                        + " this many open streams a new one is refused with 503 and Retry-After, so that the rest"
                        + " of the API and /jolokia keep threads. Keep it well below the HTTP thread pool (Felix"
                        + " HTTP's org.apache.felix.http.jetty.threadpool.max; unset, Jetty's 200, of which the"
                        + " connector itself takes a few). Default 128.")
        int maxChunkStreams() default 128;

        @AttributeDefinition(name = "Video per chunk, for pacing (ms)", min = "0", max = "60000",
                description = "A chunk stream sends chunks no faster than its client plays them: at most"
                        + " paceAheadChunks ahead of playout, which starts with the first chunk sent and runs at"
                        + " this much video a chunk. Chunks not sent stay in the session's buffer, so a session"
                        + " whose client falls behind pauses there instead of filling socket buffers (that a"
                        + " client gone would lose). 0 turns pacing off; a request may too, with ?pace=off."
                        + " Default 750, the runtime's chunkVideoMillis.")
        long paceVideoMillis() default 750;

        @AttributeDefinition(name = "Chunks sent ahead of playout", min = "1", max = "1000",
                description = "How far ahead of its playout a paced stream may send. Default 4, the runtime's"
                        + " bufferAhead.")
        int paceAheadChunks() default 4;
    }

    /**
     * Validated configuration.
     *
     * @param pace       the video a chunk holds, for pacing streams to playout; zero: no pacing
     * @param paceAhead  chunks a paced stream may send ahead of playout
     */
    record Settings(String defaultModel, String defaultTenant, int maxBodyBytes, Duration keepAlive,
            int maxChunkStreams, Duration pace, int paceAhead) {
        /** Settings without pacing. */
        Settings(String defaultModel, String defaultTenant, int maxBodyBytes, Duration keepAlive, int maxChunkStreams) {
            this(defaultModel, defaultTenant, maxBodyBytes, keepAlive, maxChunkStreams, Duration.ZERO, 4);
        }
    }

    /** Waits; a test's stand-in moves its clock instead. */
    interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    private final transient ServingService serving;
    private final transient AtomicReference<Settings> settings;
    private final transient AtomicBoolean stopping = new AtomicBoolean();
    /** Chunk streams open now, each on its own request thread. */
    private final transient AtomicInteger openStreams = new AtomicInteger();
    private final transient LongSupplier nanoClock;
    private final transient Sleeper sleeper;
    private final transient Object refusalLogLock = new Object();
    /** Whether a refused stream was ever logged, and when last ({@link #nanoClock}); under refusalLogLock. */
    private transient boolean refusalLogged;
    private transient long lastRefusalLog;
    /** Streams refused since the last log line. */
    private final transient AtomicLong refusedSinceLog = new AtomicLong();

    @Activate
    public GatewayServlet(@Reference ServingService serving, Config config) {
        this(serving, ConfigValues.orDefaults(PID, Config.class, config, GatewayServlet::configure));
    }

    GatewayServlet(ServingService serving, Settings initial) {
        this(serving, initial, System::nanoTime);
    }

    GatewayServlet(ServingService serving, Settings initial, LongSupplier nanoClock) {
        this(serving, initial, nanoClock, nanos -> TimeUnit.NANOSECONDS.sleep(nanos));
    }

    GatewayServlet(ServingService serving, Settings initial, LongSupplier nanoClock, Sleeper sleeper) {
        this.serving = serving;
        this.settings = new AtomicReference<>(initial);
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
    }

    @Modified
    void modified(Config config) {
        settings.set(configure(config));
    }

    /** Validates a configuration; the exception names every value it rejects. */
    static Settings configure(Config config) {
        ConfigValues.readable(PID, Config.class, config);
        List<String> rejected = new ArrayList<>();
        if (config.defaultModel() == null || config.defaultModel().isBlank()) {
            rejected.add("defaultModel must not be empty");
        }
        if (config.defaultTenant() == null || config.defaultTenant().isBlank()) {
            rejected.add("defaultTenant must not be empty");
        }
        if (config.maxBodyBytes() < 2 || config.maxBodyBytes() > (16 << 20)) {
            rejected.add("maxBodyBytes must be between 2 and 16777216, got " + config.maxBodyBytes());
        }
        if (config.keepAliveMillis() < 50 || config.keepAliveMillis() > 60_000) {
            rejected.add("keepAliveMillis must be between 50 and 60000, got " + config.keepAliveMillis());
        }
        if (config.maxChunkStreams() < 1 || config.maxChunkStreams() > 100_000) {
            rejected.add("maxChunkStreams must be between 1 and 100000, got " + config.maxChunkStreams());
        }
        if (config.paceVideoMillis() < 0 || config.paceVideoMillis() > 60_000) {
            rejected.add("paceVideoMillis must be between 0 (no pacing) and 60000, got " + config.paceVideoMillis());
        }
        if (config.paceAheadChunks() < 1 || config.paceAheadChunks() > 1000) {
            rejected.add("paceAheadChunks must be between 1 and 1000, got " + config.paceAheadChunks());
        }
        if (!rejected.isEmpty()) {
            throw new IllegalArgumentException(PID + ": " + String.join("; ", rejected));
        }
        return new Settings(config.defaultModel(), config.defaultTenant(), config.maxBodyBytes(),
                Duration.ofMillis(config.keepAliveMillis()), config.maxChunkStreams(),
                Duration.ofMillis(config.paceVideoMillis()), config.paceAheadChunks());
    }

    /** Ends open chunk streams at their next wake-up. */
    @Deactivate
    void deactivate() {
        stopping.set(true);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            route(request, response);
        } catch (ApiException e) {
            sendError(response, e);
        } catch (ServingException e) {
            sendError(response, ApiException.of(e));
        } catch (RuntimeException e) {
            if (e.getCause() instanceof ServingException refused) {
                // The runtime could not answer (e.g. its controller is busy): say so, as a 503.
                sendError(response, ApiException.of(refused));
                return;
            }
            LOG.log(Level.ERROR, "request " + request.getMethod() + " " + request.getPathInfo() + " failed", e);
            sendError(response, new ApiException(500, ServingException.Kind.INTERNAL.name(),
                    "the server failed on this request; the server log has the details"));
        }
    }

    private void route(HttpServletRequest request, HttpServletResponse response)
            throws ApiException, ServingException, IOException {
        String path = request.getPathInfo() == null ? "/" : request.getPathInfo();
        List<String> segments = segments(path);
        if (segments.isEmpty() || !segments.get(0).equals("sessions")) {
            throw ApiException.notFound("no resource at /v1" + path + "; sessions are under /v1/sessions");
        }
        String method = request.getMethod();
        switch (segments.size()) {
            case 1 -> {
                allow(request, response, path, COLLECTION_METHODS);
                if (method.equals("POST")) {
                    create(request, response);
                } else if (method.equals("GET")) {
                    sendJson(response, 200, Payloads.sessions(serving.sessions()));
                }
            }
            case 2 -> {
                allow(request, response, path, SESSION_METHODS);
                String id = segments.get(1);
                if (method.equals("GET")) {
                    sendStatus(response, 200, serving.status(id));
                } else if (method.equals("DELETE")) {
                    Payloads.expectNoFields(readJson(request));
                    sendStatus(response, 200, serving.close(id));
                }
            }
            case 3 -> {
                String id = segments.get(1);
                switch (segments.get(2)) {
                    case "active" -> {
                        if (allow(request, response, path, POST_ONLY)) {
                            Payloads.expectNoFields(readJson(request));
                            sendStatus(response, 200, serving.activate(id));
                        }
                    }
                    case "idle" -> {
                        if (allow(request, response, path, POST_ONLY)) {
                            Payloads.expectNoFields(readJson(request));
                            sendStatus(response, 200, serving.idle(id));
                        }
                    }
                    case "chunks" -> {
                        if (allow(request, response, path, GET_ONLY)) {
                            streamChunks(request, response, id);
                        }
                    }
                    default -> throw ApiException.notFound("no resource at /v1" + path);
                }
            }
            default -> throw ApiException.notFound("no resource at /v1" + path);
        }
    }

    /** Splits a path into its segments, ignoring one trailing slash; an empty segment inside is no resource. */
    static List<String> segments(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        if (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        if (trimmed.isEmpty()) {
            return List.of();
        }
        List<String> segments = Arrays.asList(trimmed.split("/", -1));
        return segments.contains("") ? List.of() : segments;
    }

    /**
     * Answers OPTIONS and refuses methods the resource does not take.
     *
     * @return whether the request is to be served (false after answering OPTIONS)
     */
    private static boolean allow(HttpServletRequest request, HttpServletResponse response, String path,
            List<String> methods) throws ApiException {
        String method = request.getMethod();
        if (methods.contains(method)) {
            return true;
        }
        if (method.equals("OPTIONS")) {
            response.setStatus(204);
            response.setHeader("Allow", String.join(", ", methods) + ", OPTIONS");
            return false;
        }
        throw ApiException.methodNotAllowed(method, "/v1" + path, methods);
    }

    private void create(HttpServletRequest request, HttpServletResponse response)
            throws ApiException, ServingException, IOException {
        Settings current = settings.get();
        SessionSpec spec = Payloads.createRequest(readJson(request), current.defaultModel(), current.defaultTenant());
        SessionStatus status = serving.create(spec);
        String contextPath = request.getContextPath() == null ? "" : request.getContextPath();
        String servletPath = request.getServletPath() == null ? "" : request.getServletPath();
        response.setHeader("Location", contextPath + servletPath + "/sessions/" + encodeSegment(status.id()));
        sendStatus(response, 201, status);
    }

    /** Percent-encodes a path segment (RFC 3986: everything but unreserved characters). */
    static String encodeSegment(String segment) {
        StringBuilder out = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** @return the parsed JSON body, or null when the request has none. */
    private Object readJson(HttpServletRequest request) throws ApiException, IOException {
        byte[] body = readBody(request, settings.get().maxBodyBytes());
        if (body.length == 0) {
            return null;
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw ApiException.invalid("the request body is not valid UTF-8");
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // RFC 8259 lets a parser ignore a byte order mark
        }
        try {
            return Json.parse(text);
        } catch (JsonSyntaxException e) {
            throw ApiException.invalid(e.getMessage());
        }
    }

    /** Reads at most {@code max} bytes; refuses a longer body by its declared length or while reading. */
    static byte[] readBody(HttpServletRequest request, int max) throws ApiException, IOException {
        long declared = request.getContentLengthLong();
        if (declared > max) {
            throw ApiException.tooLarge("the request body of " + declared + " bytes exceeds the limit of " + max
                    + " bytes");
        }
        if (declared == 0) {
            return new byte[0];
        }
        if (declared > 0) {
            requireJson(request); // refuse before reading what would be refused anyway
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 512);
        byte[] buffer = new byte[8192];
        InputStream in = request.getInputStream();
        int total = 0;
        while (true) {
            // Ask for at most one byte past the limit: enough to know the body is too long.
            int n = in.read(buffer, 0, Math.min(buffer.length, max + 1 - total));
            if (n < 0) {
                break;
            }
            total += n;
            if (total > max) {
                throw ApiException.tooLarge("the request body exceeds the limit of " + max + " bytes");
            }
            out.write(buffer, 0, n);
        }
        if (total > 0 && declared < 0) {
            requireJson(request); // a chunked body: its type is checked once there is one
        }
        return out.toByteArray();
    }

    private static void requireJson(HttpServletRequest request) throws ApiException {
        String type = request.getContentType();
        if (type == null) {
            throw ApiException.unsupportedMediaType("a request body must have Content-Type: application/json");
        }
        String[] parts = type.split(";");
        if (!parts[0].trim().toLowerCase(Locale.ROOT).equals("application/json")) {
            throw ApiException.unsupportedMediaType("Content-Type must be application/json, got " + type);
        }
        for (int i = 1; i < parts.length; i++) {
            String[] parameter = parts[i].split("=", 2);
            if (parameter[0].trim().equalsIgnoreCase("charset") && parameter.length == 2) {
                String charset = parameter[1].trim().replace("\"", "");
                if (!charset.equalsIgnoreCase("utf-8")) {
                    throw ApiException.unsupportedMediaType("a JSON body must be UTF-8, got charset=" + charset);
                }
            }
        }
    }

    private void streamChunks(HttpServletRequest request, HttpServletResponse response, String id)
            throws ApiException, ServingException {
        long limit = limit(request.getParameter("limit"));
        long lastSeen = lastEventId(request);
        Settings current = settings.get();
        String paceParam = request.getParameter("pace");
        if (paceParam != null && !paceParam.equals("on") && !paceParam.equals("off")) {
            throw ApiException.invalid("pace must be on or off, got '" + paceParam + "'");
        }
        Duration pace = "off".equals(paceParam) ? Duration.ZERO : current.pace();
        if (lastSeen >= 0) {
            checkResumePoint(request, id, lastSeen);
        } else {
            serving.status(id); // an unknown or closed session is its 404 or 410 even when streams are at their limit
        }
        acquireStreamSlot(current.maxChunkStreams());
        try {
            streamChunks(response, id, limit, lastSeen, current.keepAlive(), pace, current.paceAhead());
        } finally {
            openStreams.decrementAndGet();
        }
    }

    /**
     * Refuses a resume point the session has not reached: the client cannot have seen a chunk that
     * was never made, and every chunk up to it would be taken from the session and dropped.
     */
    private void checkResumePoint(HttpServletRequest request, String id, long lastSeen)
            throws ApiException, ServingException {
        long next = serving.status(id).nextChunkIndex();
        if (lastSeen < next) {
            return;
        }
        String source = request.getHeader("Last-Event-ID") != null ? "the Last-Event-ID header" : "lastEventId";
        throw ApiException.invalid(source + " " + lastSeen + " is beyond what session " + id + " has produced: its"
                + " next chunk index is " + next + (next == 0 ? " (no chunk yet)" : ", so the last chunk a client can"
                + " have is " + (next - 1)) + "; resume with the id of the last chunk received, or without one");
    }

    /** Takes one of the chunk stream slots, or refuses with 503 when all are taken. */
    private void acquireStreamSlot(int max) throws ApiException {
        while (true) {
            int open = openStreams.get();
            if (open >= max) {
                refusedSinceLog.incrementAndGet();
                if (refusalLogDue(nanoClock.getAsLong())) {
                    long refused = refusedSinceLog.getAndSet(0);
                    LOG.log(Level.WARNING, () -> "refused " + refused + " chunk stream(s) since the last such message: "
                            + open + " open, the limit is " + max + " (" + PID + " maxChunkStreams); each open"
                            + " stream holds an HTTP server thread");
                }
                throw ApiException.unavailable("the gateway is serving its most concurrent chunk streams: " + open
                        + " open, the limit is " + max + "; try again in " + STREAM_RETRY_AFTER_SECONDS + " s",
                        STREAM_RETRY_AFTER_SECONDS);
            }
            if (openStreams.compareAndSet(open, open + 1)) {
                return;
            }
        }
    }

    /** @return whether a refused stream is to be logged now: the first time, then at most once a minute. */
    boolean refusalLogDue(long nowNanos) {
        synchronized (refusalLogLock) {
            if (refusalLogged && nowNanos - lastRefusalLog < REFUSAL_LOG_INTERVAL_NANOS) {
                return false;
            }
            refusalLogged = true;
            lastRefusalLog = nowNanos;
            return true;
        }
    }

    /** @return the chunk streams open now. */
    int openStreams() {
        return openStreams.get();
    }

    private void streamChunks(HttpServletResponse response, String id, long limit, long lastSeen, Duration keepAlive,
            Duration pace, int paceAhead) throws ServingException {
        // Opened before anything is written, so a refusal still gets its JSON error and status.
        ChunkStream stream = serving.stream(id);
        if (lastSeen >= 0) {
            // Chunks sent after the client's last one but lost with its connection come again.
            stream.rewind(lastSeen);
        }
        long sent = 0;
        long playoutStart = 0;
        try {
            response.setStatus(200);
            response.setContentType("text/event-stream");
            response.setCharacterEncoding("UTF-8");
            response.setHeader("Cache-Control", "no-cache");
            response.setHeader("X-Accel-Buffering", "no"); // a proxy must pass events on as they come
            ServletOutputStream out = response.getOutputStream();
            send(out, ": chunks of session " + id + "\n\n"); // commits the headers: the client sees the stream open
            String reason;
            while (true) {
                if (limit > 0 && sent >= limit) {
                    reason = "limit";
                    break;
                }
                if (stopping.get()) {
                    reason = "gateway stopping";
                    break;
                }
                if (!pace.isZero() && sent >= paceAhead) {
                    // Playout began with the first chunk sent; the client holds paceAhead chunks
                    // beyond what it has watched. The next one is taken from the session only
                    // when it may be sent, so until then the session's own buffer fills and pauses it.
                    long due = playoutStart + (sent - paceAhead + 1) * pace.toNanos();
                    long wait = due - nanoClock.getAsLong();
                    if (wait > 0) {
                        sleeper.sleep(Math.min(wait, keepAlive.toNanos()));
                        if (due - nanoClock.getAsLong() > 0) {
                            send(out, ": keep-alive\n\n"); // and a client gone is noticed
                            continue;
                        }
                    }
                }
                Chunk chunk = stream.next(keepAlive);
                if (chunk != null && chunk.index() <= lastSeen) {
                    // The reconnecting client has it already (a write that failed after it got
                    // through): taken from the buffer, not sent again. Still written to, so that a
                    // client gone meanwhile is noticed and its stream closed.
                    send(out, ": skipped chunk " + chunk.index() + ", the client has it\n\n");
                    continue;
                }
                if (chunk != null && lastSeen >= 0 && chunk.index() > lastSeen + 1) {
                    // Chunks a previous reader took beyond those the session keeps for a resume
                    // cannot be replayed: say so.
                    send(out, "event: gap\ndata: " + Json.write(Payloads.gap(lastSeen + 1, chunk.index() - 1)) + "\n\n");
                }
                if (chunk != null) {
                    lastSeen = Math.max(lastSeen, chunk.index());
                    try {
                        send(out, "event: chunk\nid: " + chunk.index() + "\ndata: " + Json.write(Payloads.chunk(chunk))
                                + "\n\n");
                    } catch (IOException broken) {
                        // The client did not get it: give it back, the next reader starts with it.
                        stream.unread(chunk);
                        throw broken;
                    }
                    if (sent == 0) {
                        playoutStart = nanoClock.getAsLong();
                    }
                    sent++;
                } else if (stream.ended()) {
                    String why = stream.endReason();
                    reason = why == null || why.isEmpty() ? "ended" : why;
                    break;
                } else {
                    send(out, ": keep-alive\n\n");
                }
            }
            send(out, "event: end\ndata: " + Json.write(Payloads.end(reason, sent)) + "\n\n");
        } catch (IOException e) {
            // The client went away; nobody is left to answer.
            LOG.log(Level.DEBUG, () -> "chunk stream of session " + id + " lost its client: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the server is stopping this thread
        } finally {
            stream.close();
        }
    }

    /**
     * The SSE {@code Last-Event-ID} header (or the {@code lastEventId} parameter, for clients that
     * cannot set headers): the index of the last chunk the client got; -1 when absent.
     */
    private static long lastEventId(HttpServletRequest request) throws ApiException {
        String value = request.getHeader("Last-Event-ID");
        String source = "the Last-Event-ID header";
        if (value == null) {
            value = request.getParameter("lastEventId");
            source = "lastEventId";
        }
        if (value == null || value.isBlank()) {
            return -1;
        }
        try {
            long id = Long.parseLong(value.strip());
            if (id >= 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.invalid(source + " must be the index of a chunk (an integer ≥ 0), got '" + value + "'");
    }

    private static long limit(String value) throws ApiException {
        if (value == null) {
            return 0;
        }
        try {
            long limit = Long.parseLong(value);
            if (limit >= 1) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.invalid("query parameter \"limit\" must be a positive integer, got \"" + value + "\"");
    }

    private static void send(ServletOutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void sendStatus(HttpServletResponse response, int code, SessionStatus status) throws IOException {
        sendJson(response, code, Payloads.status(status));
    }

    private static void sendJson(HttpServletResponse response, int code, Object json) throws IOException {
        byte[] body = Json.write(json).getBytes(StandardCharsets.UTF_8);
        response.setStatus(code);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    private static void sendError(HttpServletResponse response, ApiException e) throws IOException {
        if (response.isCommitted()) {
            LOG.log(Level.DEBUG, () -> "cannot answer " + e.status() + " after the response started: " + e.getMessage());
            return;
        }
        if (!e.allow().isEmpty()) {
            response.setHeader("Allow", String.join(", ", e.allow()) + ", OPTIONS");
        }
        if (e.retryAfterSeconds() > 0) {
            response.setHeader("Retry-After", String.valueOf(e.retryAfterSeconds()));
        }
        boolean bodyLeftUnread = e.status() == 413;
        if (bodyLeftUnread) {
            // The body was refused unread: say so and send the answer now, so that the client
            // hears it before the container deals with what is left of the body.
            response.setHeader("Connection", "close");
        }
        sendJson(response, e.status(), Payloads.error(e));
        if (bodyLeftUnread) {
            response.flushBuffer();
        }
    }
}
