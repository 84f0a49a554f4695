package io.turboserve.sim;

import java.io.IOException;

/**
 * A trace that cannot be replayed: its message names the source, the line and column, and the
 * event and field at fault, e.g. {@code demo.json: line 3, column 52, event 2: event_type
 * "user_wave" is not one of session_arrival, user_active, user_idle, session_departure}.
 */
public final class TraceFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int line;
    private final int column;
    private final String field;

    public TraceFormatException(String source, int line, int column, String where, String field, String message) {
        super(format(source, line, column, where, message));
        this.line = line;
        this.column = column;
        this.field = field;
    }

    private static String format(String source, int line, int column, String where, String message) {
        StringBuilder b = new StringBuilder();
        if (source != null && !source.isEmpty()) {
            b.append(source).append(": ");
        }
        b.append("line ").append(line);
        if (column > 0) {
            b.append(", column ").append(column);
        }
        if (where != null && !where.isEmpty()) {
            b.append(", ").append(where);
        }
        return b.append(": ").append(message).toString();
    }

    /** @return the 1-based line at fault. */
    public int line() {
        return line;
    }

    /** @return the 1-based column at fault, or 0 where the format has no columns (CSV). */
    public int column() {
        return column;
    }

    /** @return the field at fault (e.g. {@code event_type}), or empty for a syntax error. */
    public String field() {
        return field;
    }
}
