package io.turboserve.sim;

import java.util.Objects;

/**
 * One lifecycle event of a workload, in the TurboServe event format's terms.
 *
 * @param timeNanos       when it happens, from the start of the workload
 * @param sequence        the order among events at the same time (unique within a workload)
 * @param type            what happens
 * @param sessionId       the session it happens to
 * @param userId          the user (tenant) owning the session
 * @param activeOnArrival for {@link Type#SESSION_ARRIVAL}: whether the user is active at once
 */
public record TraceEvent(long timeNanos, long sequence, Type type, String sessionId, String userId,
        boolean activeOnArrival) {

    /** The four lifecycle event types of the TurboServe format. */
    public enum Type {
        SESSION_ARRIVAL("session_arrival"),
        USER_ACTIVE("user_active"),
        USER_IDLE("user_idle"),
        SESSION_DEPARTURE("session_departure");

        private final String wireName;

        Type(String wireName) {
            this.wireName = wireName;
        }

        /** @return the name in the JSON format, e.g. {@code session_arrival}. */
        public String wireName() {
            return wireName;
        }

        /** @return the type with this JSON name, or {@code null}. */
        public static Type fromWire(String name) {
            for (Type t : values()) {
                if (t.wireName.equals(name)) {
                    return t;
                }
            }
            return null;
        }
    }

    public TraceEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(userId, "userId");
        if (timeNanos < 0) {
            throw new IllegalArgumentException("event time must not be negative: " + timeNanos);
        }
    }

    /** @return whether this event makes the session's user active. */
    public boolean activates() {
        return type == Type.USER_ACTIVE || (type == Type.SESSION_ARRIVAL && activeOnArrival);
    }
}
