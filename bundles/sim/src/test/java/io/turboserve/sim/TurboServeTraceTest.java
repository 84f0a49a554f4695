package io.turboserve.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TurboServeTraceTest {

    @Test
    void demoTraceLoadsWithTheFiguresItsReadmeStates() {
        Workload w = Workloads.demoTrace();
        // traces/README.md: 300 sessions, peak 16 alive and 12 active, 30 minutes.
        assertEquals("turboserve-public-demo-peak16", w.name());
        assertEquals(300, w.sessions());
        assertEquals(1205, w.events().size());
        assertEquals(1_800_000_000_000L, w.durationNanos());
        assertEquals(16, Workloads.peakAlive(w));
        assertEquals(12, Workloads.peakActive(w));
        TraceEvent first = w.events().get(0);
        // {"time_s": 1.837163, "sequence": 0, "event_type": "session_arrival", "session_id": 0,
        //  "user_id": 77, "payload": {"active": false}}
        assertEquals(new TraceEvent(1_837_163_000L, 0, TraceEvent.Type.SESSION_ARRIVAL, "0", "77", false), first);
        assertTrue(w.events().get(1).activeOnArrival());
    }

    @Test
    void stringIdsAndEventsAtTheSameTimeInSequenceOrderAreAccepted() throws IOException {
        Workload w = parse("""
                {"config": {"name": "tiny", "duration_s": 10},
                 "events": [
                  {"time_s": 1, "sequence": 0, "event_type": "session_arrival", "session_id": "a", "user_id": "u", "payload": {"active": true}},
                  {"time_s": 1, "sequence": 1, "event_type": "session_arrival", "session_id": "b", "user_id": "u", "payload": {"active": false}},
                  {"time_s": 2.5, "sequence": 2, "event_type": "user_idle", "session_id": "a", "user_id": "u", "payload": {}},
                  {"time_s": 3, "sequence": 3, "event_type": "session_departure", "session_id": "b", "user_id": "u", "extra": [1, 2]}
                 ]}
                """);
        assertEquals("tiny", w.name());
        assertEquals(10_000_000_000L, w.durationNanos());
        assertEquals(4, w.events().size());
        assertEquals(2_500_000_000L, w.events().get(2).timeNanos());
        assertEquals(TraceEvent.Type.SESSION_DEPARTURE, w.events().get(3).type());
    }

    @Test
    void withoutConfigTheDurationIsTheLastEvent() throws IOException {
        Workload w = parse("""
                {"events": [
                 {"time_s": 0.5, "sequence": 0, "event_type": "session_arrival", "session_id": 1, "user_id": 2, "payload": {"active": true}},
                 {"time_s": 7.25, "sequence": 1, "event_type": "session_departure", "session_id": 1, "user_id": 2, "payload": {}}
                ]}
                """);
        assertEquals("t", w.name());
        assertEquals(7_250_000_000L, w.durationNanos());
    }

    @Test
    void loadsFromAFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("mine.json");
        Files.writeString(f, """
                {"events": [{"time_s": 1, "sequence": 0, "event_type": "session_arrival", "session_id": 1, "user_id": 2, "payload": {"active": true}}]}
                """);
        Workload w = TurboServeTrace.load(f);
        assertEquals("mine", w.name());
        assertEquals(1, w.sessions());
    }

    private static final String ARRIVAL = "{\"time_s\": 1, \"sequence\": 0, \"event_type\": \"session_arrival\", "
            + "\"session_id\": 1, \"user_id\": 2, \"payload\": {\"active\": true}}";

    /** One event per line: line 1 opens the document, event n is on line n + 1. */
    private static String trace(String... events) {
        return "{\"config\": {}, \"events\": [\n" + String.join(",\n", events) + "\n]}";
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("an unknown event type",
                        trace(ARRIVAL, "{\"time_s\": 2, \"sequence\": 1, \"event_type\": \"user_wave\", \"session_id\": 1, "
                                + "\"user_id\": 2, \"payload\": {}}"),
                        3, "event_type",
                        "line 3, column 44, event 2: event_type \"user_wave\" is not one of session_arrival, user_active, "
                                + "user_idle, session_departure"),
                Arguments.of("a missing time",
                        trace(ARRIVAL, "{\"sequence\": 1, \"event_type\": \"user_idle\", \"session_id\": 1, \"user_id\": 2}"),
                        3, "time_s", "event 2: time_s is missing"),
                Arguments.of("a time that is a string",
                        trace("{\"time_s\": \"1\", \"sequence\": 0, \"event_type\": \"session_arrival\", \"session_id\": 1, "
                                + "\"user_id\": 2, \"payload\": {\"active\": true}}"),
                        2, "time_s", "time_s must be a number of seconds, found a string"),
                Arguments.of("a negative time",
                        trace("{\"time_s\": -1, \"sequence\": 0, \"event_type\": \"session_arrival\", \"session_id\": 1, "
                                + "\"user_id\": 2, \"payload\": {\"active\": true}}"),
                        2, "time_s", "time_s -1 must be a non-negative number of seconds"),
                Arguments.of("events out of time order",
                        trace("{\"time_s\": 5, \"sequence\": 0, \"event_type\": \"session_arrival\", \"session_id\": 1, "
                                + "\"user_id\": 2, \"payload\": {\"active\": true}}",
                                "{\"time_s\": 4, \"sequence\": 1, \"event_type\": \"user_idle\", \"session_id\": 1, "
                                        + "\"user_id\": 2, \"payload\": {}}"),
                        3, "time_s", "event 2: time_s 4 is before the previous event's 5 s"),
                Arguments.of("a sequence going backwards at one time",
                        trace("{\"time_s\": 1, \"sequence\": 7, \"event_type\": \"session_arrival\", \"session_id\": 1, "
                                + "\"user_id\": 2, \"payload\": {\"active\": true}}",
                                "{\"time_s\": 1, \"sequence\": 3, \"event_type\": \"session_arrival\", \"session_id\": 2, "
                                        + "\"user_id\": 2, \"payload\": {\"active\": true}}"),
                        3, "sequence", "sequence 3 does not follow the previous event's 7"),
                Arguments.of("an unknown session becoming active",
                        trace(ARRIVAL, "{\"time_s\": 2, \"sequence\": 1, \"event_type\": \"user_active\", \"session_id\": 9, "
                                + "\"user_id\": 2, \"payload\": {}}"),
                        3, "session_id", "user_active: session_id 9 is unknown: no session_arrival before it becomes active"),
                Arguments.of("a duplicate arrival",
                        trace(ARRIVAL, "{\"time_s\": 2, \"sequence\": 1, \"event_type\": \"session_arrival\", \"session_id\": 1, "
                                + "\"user_id\": 2, \"payload\": {\"active\": false}}"),
                        3, "session_id", "session_id 1 arrived already (duplicate session_arrival)"),
                Arguments.of("idle before ever being active",
                        trace("{\"time_s\": 1, \"sequence\": 0, \"event_type\": \"session_arrival\", \"session_id\": 1, "
                                + "\"user_id\": 2, \"payload\": {\"active\": false}}",
                                "{\"time_s\": 2, \"sequence\": 1, \"event_type\": \"user_idle\", \"session_id\": 1, "
                                        + "\"user_id\": 2, \"payload\": {}}"),
                        3, "session_id", "session_id 1 has never been active"),
                Arguments.of("activity after departure",
                        trace(ARRIVAL, "{\"time_s\": 2, \"sequence\": 1, \"event_type\": \"session_departure\", "
                                + "\"session_id\": 1, \"user_id\": 2, \"payload\": {}}",
                                "{\"time_s\": 3, \"sequence\": 2, \"event_type\": \"user_active\", \"session_id\": 1, "
                                        + "\"user_id\": 2, \"payload\": {}}"),
                        4, "session_id", "event 3: user_active: session_id 1 has departed"),
                Arguments.of("an arrival that does not say whether the user is active",
                        trace("{\"time_s\": 1, \"sequence\": 0, \"event_type\": \"session_arrival\", \"session_id\": 1, "
                                + "\"user_id\": 2, \"payload\": {}}"),
                        2, "payload.active", "payload.active is missing"),
                Arguments.of("a session id that is neither string nor integer",
                        trace("{\"time_s\": 1, \"sequence\": 0, \"event_type\": \"session_arrival\", \"session_id\": 1.5, "
                                + "\"user_id\": 2, \"payload\": {\"active\": true}}"),
                        2, "session_id", "session_id must be a string or an integer, found 1.5"),
                Arguments.of("a trailing comma (not JSON)",
                        trace(ARRIVAL + ","), 3, "", "invalid JSON: expected a value, found ']'"),
                Arguments.of("a duplicate field",
                        trace("{\"time_s\": 1, \"time_s\": 2, \"sequence\": 0, \"event_type\": \"session_arrival\", "
                                + "\"session_id\": 1, \"user_id\": 2, \"payload\": {\"active\": true}}"),
                        2, "", "duplicate field \"time_s\""),
                Arguments.of("a duration before the last event",
                        "{\"config\": {\"duration_s\": 0.5}, \"events\": [\n" + ARRIVAL + "\n]}", 1, "config.duration_s",
                        "config.duration_s 0.5 is before the last event at 1 s"),
                Arguments.of("events that are not an array",
                        "{\"events\": {}}", 1, "events", "events must be an array, found an object"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void aMalformedTraceIsRejectedWithTheLineAndFieldAtFault(String what, String json, int line, String field,
            String message) {
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> parse(json));
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith("t: line " + line + ", column "), e.getMessage());
        assertTrue(e.getMessage().contains(message), () -> "expected \"" + message + "\" in: " + e.getMessage());
    }

    @Test
    void aSyntaxErrorNamesTheColumn() {
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> parse("{\"events\": [01]}"));
        assertEquals(1, e.line());
        assertEquals(14, e.column());
        assertTrue(e.getMessage().contains("leading zero"), e.getMessage());
        assertFalse(e.getMessage().isEmpty());
    }

    @Test
    void workloadsRefuseEventsOutOfOrder() {
        TraceEvent a = new TraceEvent(2, 0, TraceEvent.Type.SESSION_ARRIVAL, "a", "u", true);
        TraceEvent b = new TraceEvent(1, 1, TraceEvent.Type.SESSION_DEPARTURE, "a", "u", false);
        assertThrows(IllegalArgumentException.class, () -> new Workload("w", "", 10, java.util.List.of(a, b)));
    }

    private static Workload parse(String json) throws IOException {
        return TurboServeTrace.parse("t", new StringReader(json));
    }
}
