package io.turboserve.gateway;

import io.turboserve.api.Chunk;
import io.turboserve.api.ChunkTimings;
import io.turboserve.api.SessionSpec;
import io.turboserve.api.serving.SessionStatus;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The JSON shapes of the API: what requests may carry and what responses and events hold. */
final class Payloads {
    static final Set<String> CREATE_FIELDS = Set.of("prompt", "model", "tenant", "seed", "options");

    private Payloads() {
    }

    /**
     * Reads a create request.
     *
     * <p>The seed defaults to the 64-bit FNV-1a hash of the prompt's UTF-8 bytes: the same prompt gives
     * the same video, as with a fixed default, while different prompts do not share their initial
     * noise. A client that wants another video for the same prompt sends a seed.
     */
    static SessionSpec createRequest(Object body, String defaultModel, String defaultTenant) throws ApiException {
        if (body == null) {
            throw ApiException.invalid("the request needs a JSON object body with at least \"prompt\"");
        }
        Map<String, Object> fields = object(body, "the request body");
        for (String name : fields.keySet()) {
            if (!CREATE_FIELDS.contains(name)) {
                throw ApiException.invalid("unknown field \"" + name + "\"; a session takes "
                        + "\"prompt\", \"model\", \"tenant\", \"seed\" and \"options\"");
            }
        }
        if (!fields.containsKey("prompt")) {
            throw ApiException.invalid("field \"prompt\" is required");
        }
        String prompt = string(fields, "prompt", null);
        if (prompt == null) {
            throw ApiException.invalid("field \"prompt\" must be a string, got null");
        }
        String model = nonEmpty(string(fields, "model", defaultModel), "model");
        String tenant = nonEmpty(string(fields, "tenant", defaultTenant), "tenant");
        long seed = fields.get("seed") == null ? defaultSeed(prompt) : integer(fields.get("seed"), "seed");
        Map<String, String> options = new LinkedHashMap<>();
        Object rawOptions = fields.get("options");
        if (rawOptions != null) {
            for (Map.Entry<String, Object> option : object(rawOptions, "field \"options\"").entrySet()) {
                if (!(option.getValue() instanceof String value)) {
                    throw ApiException.invalid("field \"options." + option.getKey() + "\" must be a string, got "
                            + Json.typeName(option.getValue()));
                }
                options.put(option.getKey(), value);
            }
        }
        return new SessionSpec(tenant, model, prompt, seed, options);
    }

    /** Accepts an absent body or an empty object, for the requests that carry nothing. */
    static void expectNoFields(Object body) throws ApiException {
        if (body == null) {
            return;
        }
        Map<String, Object> fields = object(body, "the request body");
        if (!fields.isEmpty()) {
            throw ApiException.invalid("unknown field \"" + fields.keySet().iterator().next()
                    + "\"; this request takes no fields");
        }
    }

    static long defaultSeed(String prompt) {
        long hash = 0xcbf29ce484222325L; // FNV-1a 64-bit offset basis
        for (byte b : prompt.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L; // FNV-1a 64-bit prime
        }
        return hash;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object value, String what) throws ApiException {
        if (!(value instanceof Map)) {
            throw ApiException.invalid(what + " must be a JSON object, got " + Json.typeName(value));
        }
        return (Map<String, Object>) value;
    }

    private static String string(Map<String, Object> fields, String name, String absent) throws ApiException {
        Object value = fields.get(name);
        if (value == null) {
            return absent; // absent or null: the default
        }
        if (!(value instanceof String text)) {
            throw ApiException.invalid("field \"" + name + "\" must be a string, got " + Json.typeName(value));
        }
        return text;
    }

    private static String nonEmpty(String value, String name) throws ApiException {
        if (value.isBlank()) {
            throw ApiException.invalid("field \"" + name + "\" must not be empty");
        }
        return value;
    }

    private static long integer(Object value, String name) throws ApiException {
        if (!(value instanceof BigDecimal number)) {
            throw ApiException.invalid("field \"" + name + "\" must be an integer, got " + Json.typeName(value));
        }
        try {
            return number.longValueExact();
        } catch (ArithmeticException e) {
            throw ApiException.invalid("field \"" + name + "\" must be an integer between " + Long.MIN_VALUE
                    + " and " + Long.MAX_VALUE + ", got " + number);
        }
    }

    static Map<String, Object> status(SessionStatus s) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", s.id());
        json.put("tenant", s.tenant());
        json.put("model", s.model());
        json.put("lifecycle", s.lifecycle());
        json.put("residency", s.residency());
        json.put("gpu", s.gpu());
        json.put("stateBytes", s.stateBytes());
        json.put("epoch", s.epoch());
        json.put("nextChunkIndex", s.nextChunkIndex());
        json.put("chunksDelivered", s.chunksDelivered());
        json.put("bufferedChunks", s.bufferedChunks());
        json.put("lastChunkLatencyMs", s.lastChunkLatencyNanos() < 0 ? null : millis(s.lastChunkLatencyNanos()));
        json.put("worstChunkLatencyMs", s.worstChunkLatencyNanos() < 0 ? null : millis(s.worstChunkLatencyNanos()));
        json.put("message", s.message() == null ? "" : s.message());
        return json;
    }

    static Map<String, Object> sessions(List<SessionStatus> sessions) {
        List<Object> items = new ArrayList<>(sessions.size());
        for (SessionStatus session : sessions) {
            items.add(status(session));
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("sessions", items);
        json.put("count", items.size());
        return json;
    }

    /**
     * One chunk event. Times are milliseconds of the server's clock (the clock {@link ChunkTimings}
     * is read from), with 3 decimals; {@code crc32c} is the unsigned CRC-32C of the payload.
     */
    static Map<String, Object> chunk(Chunk chunk) {
        ChunkTimings timings = chunk.timings();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("session", chunk.sessionId());
        json.put("index", chunk.index());
        json.put("bytes", chunk.payload().length);
        json.put("crc32c", Integer.toUnsignedLong(chunk.crc32c()));
        json.put("requestedAt", millis(timings.requestedNanos()));
        json.put("latencyMs", millis(timings.latencyNanos()));
        json.put("stepMs", millis(timings.stepNanos()));
        json.put("batch", timings.batchSize());
        json.put("payload", Base64.getEncoder().encodeToString(chunk.payload()));
        return json;
    }

    static Map<String, Object> end(String reason, long chunksSent) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("reason", reason);
        json.put("chunks", chunksSent);
        return json;
    }

    /** Chunks {@code from..to} were taken by an earlier reader and never reached the client. */
    static Map<String, Object> gap(long from, long to) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("missingFrom", from);
        json.put("missingTo", to);
        return json;
    }

    static Map<String, Object> error(ApiException e) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("status", e.status());
        detail.put("kind", e.kind());
        detail.put("message", e.getMessage() == null ? "" : e.getMessage());
        return Map.of("error", detail);
    }

    /** Nanoseconds as milliseconds with three decimals (microsecond resolution). */
    static BigDecimal millis(long nanos) {
        return BigDecimal.valueOf(nanos, 6).setScale(3, RoundingMode.HALF_EVEN);
    }
}
