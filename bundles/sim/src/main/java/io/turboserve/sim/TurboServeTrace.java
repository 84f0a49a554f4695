package io.turboserve.sim;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the TurboServe lifecycle event format:
 *
 * <pre>
 * {"config": {"name": ..., "duration_s": ...},
 *  "events": [{"time_s": 1.84, "sequence": 0, "event_type": "session_arrival",
 *              "session_id": 0, "user_id": 77, "payload": {"active": false}}, ...]}
 * </pre>
 *
 * {@code event_type} is one of {@code session_arrival} ({@code payload.active} says whether the
 * user is active on arrival), {@code user_active}, {@code user_idle}, {@code session_departure}.
 * Session and user ids may be strings or integers. Unknown fields are ignored (the format may be
 * extended compatibly); {@code config.duration_s}, when present, is the run's length, otherwise
 * the last event's time.
 *
 * <p>The reader is strict: a trace that is not valid JSON, has a field missing or of the wrong
 * type, is out of (time, sequence) order, or drives a session through an impossible transition
 * (a second arrival, activity before arrival or after departure, idle before ever being active,
 * active twice) is rejected with a {@link TraceFormatException} naming the line, column, event
 * (1-based, in file order) and field. The controller would refuse such events one by one; a
 * benchmark must not silently run a different workload than the file describes.
 */
public final class TurboServeTrace {
    private static final String TYPES = "session_arrival, user_active, user_idle, session_departure";

    private TurboServeTrace() {
    }

    /** Loads a trace file; its file name is the workload's name unless the config names it. */
    public static Workload load(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String name = file.getFileName().toString();
            if (name.endsWith(".json")) {
                name = name.substring(0, name.length() - 5);
            }
            return parse(name, r);
        }
    }

    private enum State {
        ARRIVED, ACTIVE, IDLE, DEPARTED
    }

    /**
     * Parses a trace.
     *
     * @param name   the name used in messages and for the workload when the config has none
     * @param reader the JSON text
     */
    public static Workload parse(String name, Reader reader) throws IOException {
        Json.Node top;
        try {
            top = Json.parse(reader);
        } catch (Json.SyntaxError e) {
            throw new TraceFormatException(name, e.line, e.column, "", "", "invalid JSON: " + e.getMessage());
        }
        if (!(top instanceof Json.Obj root)) {
            throw fail(name, top, "", "", "the trace must be a JSON object with \"config\" and \"events\", found "
                    + top.kind());
        }
        String workloadName = name;
        Long configDuration = null;
        Json.Node config = root.get("config");
        if (config != null) {
            if (!(config instanceof Json.Obj c)) {
                throw fail(name, config, "", "config", "config must be an object, found " + config.kind());
            }
            Json.Node n = c.get("name");
            if (n != null) {
                if (!(n instanceof Json.Str s)) {
                    throw fail(name, n, "", "config.name", "config.name must be a string, found " + n.kind());
                }
                workloadName = s.value();
            }
            Json.Node d = c.get("duration_s");
            if (d != null) {
                configDuration = seconds(name, d, "", "config.duration_s");
            }
        }
        Json.Node evs = root.get("events");
        if (evs == null) {
            throw fail(name, root, "", "events", "the trace has no \"events\" array");
        }
        if (!(evs instanceof Json.Arr array)) {
            throw fail(name, evs, "", "events", "events must be an array, found " + evs.kind());
        }

        List<TraceEvent> events = new ArrayList<>(array.items().size());
        Map<String, State> sessions = new HashMap<>();
        long lastTime = -1;
        long lastSequence = -1;
        int index = 0;
        for (Json.Node item : array.items()) {
            index++;
            String where = "event " + index;
            if (!(item instanceof Json.Obj e)) {
                throw fail(name, item, where, "", "an event must be an object, found " + item.kind());
            }
            Json.Node timeNode = require(name, e, where, "time_s");
            long time = seconds(name, timeNode, where, "time_s");
            Json.Node seqNode = require(name, e, where, "sequence");
            long sequence = nonNegativeInteger(name, seqNode, where, "sequence");
            Json.Node typeNode = require(name, e, where, "event_type");
            if (!(typeNode instanceof Json.Str typeStr)) {
                throw fail(name, typeNode, where, "event_type", "event_type must be a string (one of " + TYPES
                        + "), found " + typeNode.kind());
            }
            TraceEvent.Type type = TraceEvent.Type.fromWire(typeStr.value());
            if (type == null) {
                throw fail(name, typeNode, where, "event_type", "event_type \"" + typeStr.value() + "\" is not one of "
                        + TYPES);
            }
            Json.Node sessionNode = require(name, e, where, "session_id");
            String session = id(name, sessionNode, where, "session_id");
            Json.Node userNode = require(name, e, where, "user_id");
            String user = id(name, userNode, where, "user_id");
            boolean activeOnArrival = false;
            Json.Node payload = e.get("payload");
            if (payload != null && !(payload instanceof Json.Obj)) {
                throw fail(name, payload, where, "payload", "payload must be an object, found " + payload.kind());
            }
            if (type == TraceEvent.Type.SESSION_ARRIVAL) {
                Json.Node active = payload == null ? null : ((Json.Obj) payload).get("active");
                if (active == null) {
                    throw fail(name, payload == null ? e : payload, where, "payload.active",
                            "payload.active is missing: a session_arrival must say whether the user is active on arrival");
                }
                if (!(active instanceof Json.Bool b)) {
                    throw fail(name, active, where, "payload.active", "payload.active must be true or false, found "
                            + active.kind());
                }
                activeOnArrival = b.value();
            }

            // Order: (time, sequence) strictly increasing, as the simulator replays it.
            if (time < lastTime) {
                throw fail(name, timeNode, where, "time_s", "time_s " + text(timeNode) + " is before the previous event's "
                        + seconds(lastTime) + " s: events must be in time order");
            }
            if (time == lastTime && sequence <= lastSequence) {
                throw fail(name, seqNode, where, "sequence", "sequence " + sequence + " does not follow the previous event's "
                        + lastSequence + " at the same time_s");
            }
            lastTime = time;
            lastSequence = sequence;

            // Lifecycle: ARRIVED -> ACTIVE <-> IDLE, DEPARTED from any.
            State state = sessions.get(session);
            String problem = null;
            State nextState = state;
            switch (type) {
                case SESSION_ARRIVAL -> {
                    if (state != null) {
                        problem = state == State.DEPARTED ? "has departed already; a session id arrives once"
                                : "arrived already (duplicate session_arrival)";
                    }
                    nextState = activeOnArrival ? State.ACTIVE : State.ARRIVED;
                }
                case USER_ACTIVE -> {
                    if (state == null) {
                        problem = "is unknown: no session_arrival before it becomes active";
                    } else if (state == State.DEPARTED) {
                        problem = "has departed and cannot become active";
                    } else if (state == State.ACTIVE) {
                        problem = "is already active";
                    }
                    nextState = State.ACTIVE;
                }
                case USER_IDLE -> {
                    if (state == null) {
                        problem = "is unknown: no session_arrival before it goes idle";
                    } else if (state == State.DEPARTED) {
                        problem = "has departed and cannot go idle";
                    } else if (state == State.ARRIVED) {
                        problem = "has never been active and cannot go idle";
                    } else if (state == State.IDLE) {
                        problem = "is already idle";
                    }
                    nextState = State.IDLE;
                }
                case SESSION_DEPARTURE -> {
                    if (state == null) {
                        problem = "is unknown: no session_arrival before its departure";
                    } else if (state == State.DEPARTED) {
                        problem = "has departed already (duplicate session_departure)";
                    }
                    nextState = State.DEPARTED;
                }
            }
            if (problem != null) {
                throw fail(name, sessionNode, where, "session_id", type.wireName() + ": session_id " + session + " "
                        + problem);
            }
            sessions.put(session, nextState);
            events.add(new TraceEvent(time, sequence, type, session, user, activeOnArrival));
        }

        long duration;
        if (configDuration != null) {
            if (configDuration < lastTime) {
                Json.Node d = ((Json.Obj) config).get("duration_s");
                throw fail(name, d, "", "config.duration_s", "config.duration_s " + text(d)
                        + " is before the last event at " + seconds(lastTime) + " s");
            }
            duration = configDuration;
        } else {
            duration = lastTime;
        }
        if (duration <= 0) {
            throw fail(name, root, "", "config.duration_s",
                    "the trace lasts no time: give config.duration_s or events after time 0");
        }
        String description = "TurboServe lifecycle trace " + workloadName + " (" + sessions.size() + " sessions, "
                + events.size() + " events, " + seconds(duration) + " s)";
        return new Workload(workloadName, description, duration, events);
    }

    // ---------------------------------------------------------------- fields

    private static Json.Node require(String source, Json.Obj e, String where, String field) throws TraceFormatException {
        Json.Node n = e.get(field);
        if (n == null) {
            throw fail(source, e, where, field, field + " is missing");
        }
        return n;
    }

    /** @return a non-negative finite number of seconds as nanoseconds. */
    private static long seconds(String source, Json.Node n, String where, String field) throws TraceFormatException {
        if (!(n instanceof Json.Num num)) {
            throw fail(source, n, where, field, field + " must be a number of seconds, found " + n.kind());
        }
        double s = num.doubleValue();
        if (!Double.isFinite(s) || s < 0 || s > 9.0e9) {
            throw fail(source, n, where, field, field + " " + num.text() + " must be a non-negative number of seconds");
        }
        return Math.round(s * 1e9);
    }

    private static long nonNegativeInteger(String source, Json.Node n, String where, String field)
            throws TraceFormatException {
        if (!(n instanceof Json.Num num) || !num.isInteger()) {
            throw fail(source, n, where, field, field + " must be an integer, found "
                    + (n instanceof Json.Num x ? x.text() : n.kind()));
        }
        try {
            long v = Long.parseLong(num.text());
            if (v < 0) {
                throw fail(source, n, where, field, field + " " + v + " must not be negative");
            }
            return v;
        } catch (NumberFormatException ex) {
            throw fail(source, n, where, field, field + " " + num.text() + " is out of range");
        }
    }

    /** Ids are strings or integers (the public demo trace numbers its sessions). */
    private static String id(String source, Json.Node n, String where, String field) throws TraceFormatException {
        if (n instanceof Json.Str s) {
            if (s.value().isEmpty()) {
                throw fail(source, n, where, field, field + " must not be empty");
            }
            return s.value();
        }
        if (n instanceof Json.Num num && num.isInteger()) {
            return num.text();
        }
        throw fail(source, n, where, field, field + " must be a string or an integer, found "
                + (n instanceof Json.Num x ? x.text() : n.kind()));
    }

    private static String text(Json.Node n) {
        return n instanceof Json.Num num ? num.text() : n.kind();
    }

    private static String seconds(long nanos) {
        return java.math.BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
    }

    private static TraceFormatException fail(String source, Json.Node at, String where, String field, String message) {
        return new TraceFormatException(source, at.line(), at.column(), where, field, message);
    }
}
