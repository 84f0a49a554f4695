package io.turboserve.gateway;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON (RFC 8259) reader and writer, enough for the gateway's requests and
 * responses, so that the bundle imports no JSON library.
 *
 * <p>Reading maps an object to an insertion-ordered {@code Map<String, Object>}, an array to a
 * {@code List<Object>}, a string to {@code String}, a number to {@code BigDecimal} (exact, so a
 * 64-bit seed survives), {@code true}/{@code false} to {@code Boolean} and {@code null} to
 * {@code null}. It rejects everything RFC 8259 does not allow (comments, single quotes, trailing
 * commas, leading zeros, raw control characters, text after the value) and, beyond the RFC,
 * duplicate keys (which parsers resolve differently, so a client could not know which one counts)
 * and nesting deeper than {@value #MAX_DEPTH} (a stack guard).
 */
final class Json {
    static final int MAX_DEPTH = 64;

    private Json() {
    }

    /** Parses one JSON text. */
    static Object parse(String text) throws JsonSyntaxException {
        Reader reader = new Reader(text);
        reader.skipWhitespace();
        Object value = reader.value(0);
        reader.skipWhitespace();
        if (!reader.atEnd()) {
            throw reader.error("unexpected " + reader.describeCurrent() + " after the JSON value");
        }
        return value;
    }

    /** @return the JSON type name of a parsed value, for messages. */
    static String typeName(Object value) {
        if (value == null) {
            return "null";
        } else if (value instanceof Map) {
            return "an object";
        } else if (value instanceof List) {
            return "an array";
        } else if (value instanceof String) {
            return "a string";
        } else if (value instanceof Boolean) {
            return "a boolean";
        } else if (value instanceof Number) {
            return "a number";
        }
        return value.getClass().getSimpleName();
    }

    /** Writes a value: maps, iterables, strings, numbers, booleans, enums and null. */
    static String write(Object value) {
        StringBuilder out = new StringBuilder();
        append(out, value);
        return out.toString();
    }

    static void append(StringBuilder out, Object value) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof CharSequence text) {
            appendString(out, text);
        } else if (value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof Double || value instanceof Float) {
            double number = ((Number) value).doubleValue();
            if (!Double.isFinite(number)) {
                throw new IllegalArgumentException("JSON has no " + number);
            }
            out.append(value);
        } else if (value instanceof BigDecimal decimal) {
            out.append(decimal.toPlainString());
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short
                || value instanceof Byte || value instanceof BigInteger) {
            out.append(value);
        } else if (value instanceof Enum<?> constant) {
            appendString(out, constant.name());
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                appendString(out, String.valueOf(entry.getKey()));
                out.append(':');
                append(out, entry.getValue());
            }
            out.append('}');
        } else if (value instanceof Iterable<?> items) {
            out.append('[');
            boolean first = true;
            for (Object item : items) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                append(out, item);
            }
            out.append(']');
        } else {
            throw new IllegalArgumentException("cannot write a " + value.getClass().getName() + " as JSON");
        }
    }

    private static void appendString(StringBuilder out, CharSequence text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    // Control characters must be escaped; U+2028/2029 are escaped too because
                    // JavaScript source treats them as line ends.
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** A recursive-descent reader over one text; positions are character offsets. */
    private static final class Reader {
        private final String text;
        private int pos;

        Reader(String text) {
            this.text = text;
        }

        boolean atEnd() {
            return pos >= text.length();
        }

        void skipWhitespace() {
            while (pos < text.length()) {
                char c = text.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    pos++;
                } else {
                    return;
                }
            }
        }

        Object value(int depth) throws JsonSyntaxException {
            if (atEnd()) {
                throw error("unexpected end of input, expected a value");
            }
            char c = text.charAt(pos);
            return switch (c) {
                case '{' -> object(depth + 1);
                case '[' -> array(depth + 1);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        yield number();
                    }
                    throw error("unexpected " + describeCurrent() + ", expected a value");
                }
            };
        }

        private Map<String, Object> object(int depth) throws JsonSyntaxException {
            checkDepth(depth);
            pos++; // '{'
            Map<String, Object> members = new LinkedHashMap<>();
            skipWhitespace();
            if (peek('}')) {
                pos++;
                return Collections.unmodifiableMap(members);
            }
            while (true) {
                skipWhitespace();
                if (!peek('"')) {
                    throw error(atEnd() ? "unexpected end of input, expected an object key"
                            : "unexpected " + describeCurrent() + ", expected an object key in double quotes");
                }
                int keyStart = pos;
                String key = string();
                if (members.containsKey(key)) {
                    throw error("duplicate key \"" + key + "\"", keyStart);
                }
                skipWhitespace();
                expect(':', "after the object key");
                skipWhitespace();
                members.put(key, value(depth));
                skipWhitespace();
                if (peek(',')) {
                    pos++;
                } else if (peek('}')) {
                    pos++;
                    return Collections.unmodifiableMap(members);
                } else {
                    throw error(atEnd() ? "unexpected end of input, expected ',' or '}'"
                            : "unexpected " + describeCurrent() + ", expected ',' or '}'");
                }
            }
        }

        private List<Object> array(int depth) throws JsonSyntaxException {
            checkDepth(depth);
            pos++; // '['
            List<Object> items = new ArrayList<>();
            skipWhitespace();
            if (peek(']')) {
                pos++;
                return Collections.unmodifiableList(items);
            }
            while (true) {
                skipWhitespace();
                items.add(value(depth));
                skipWhitespace();
                if (peek(',')) {
                    pos++;
                } else if (peek(']')) {
                    pos++;
                    return Collections.unmodifiableList(items);
                } else {
                    throw error(atEnd() ? "unexpected end of input, expected ',' or ']'"
                            : "unexpected " + describeCurrent() + ", expected ',' or ']'");
                }
            }
        }

        private String string() throws JsonSyntaxException {
            int start = pos;
            pos++; // opening quote
            StringBuilder out = new StringBuilder();
            while (true) {
                if (atEnd()) {
                    throw error("unterminated string (it starts at character " + start + ")");
                }
                char c = text.charAt(pos);
                if (c == '"') {
                    pos++;
                    return out.toString();
                }
                if (c < 0x20) {
                    throw error("control character U+" + String.format("%04X", (int) c)
                            + " in a string must be escaped");
                }
                if (c != '\\') {
                    out.append(c);
                    pos++;
                    continue;
                }
                int escape = pos;
                pos++;
                if (atEnd()) {
                    throw error("unterminated escape sequence");
                }
                char e = text.charAt(pos++);
                switch (e) {
                    case '"' -> out.append('"');
                    case '\\' -> out.append('\\');
                    case '/' -> out.append('/');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> out.append(unicodeEscape(escape));
                    default -> throw error("invalid escape sequence \\" + printable(e), escape);
                }
            }
        }

        private char unicodeEscape(int escape) throws JsonSyntaxException {
            if (pos + 4 > text.length()) {
                throw error("incomplete \\u escape, expected four hex digits", escape);
            }
            int code = 0;
            for (int i = 0; i < 4; i++) {
                int digit = Character.digit(text.charAt(pos + i), 16);
                if (digit < 0) {
                    throw error("invalid \\u escape, expected four hex digits", escape);
                }
                code = code * 16 + digit;
            }
            pos += 4;
            return (char) code;
        }

        /** {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?} */
        private BigDecimal number() throws JsonSyntaxException {
            int start = pos;
            if (peek('-')) {
                pos++;
            }
            if (peek('0')) {
                pos++;
                if (peekDigit()) {
                    throw error("leading zeros are not allowed in a number", start);
                }
            } else if (peekDigit()) {
                skipDigits();
            } else {
                throw error("expected a digit after '-'");
            }
            if (peek('.')) {
                pos++;
                if (!peekDigit()) {
                    throw error("expected a digit after the decimal point");
                }
                skipDigits();
            }
            if (peek('e') || peek('E')) {
                pos++;
                if (peek('+') || peek('-')) {
                    pos++;
                }
                if (!peekDigit()) {
                    throw error("expected a digit in the exponent");
                }
                skipDigits();
            }
            try {
                return new BigDecimal(text.substring(start, pos));
            } catch (NumberFormatException e) {
                throw error("number out of range", start); // an exponent beyond what BigDecimal holds
            }
        }

        private Object literal(String word, Object value) throws JsonSyntaxException {
            if (!text.startsWith(word, pos)) {
                throw error("invalid literal, expected '" + word + "'");
            }
            pos += word.length();
            return value;
        }

        private void checkDepth(int depth) throws JsonSyntaxException {
            if (depth > MAX_DEPTH) {
                throw error("nesting deeper than " + MAX_DEPTH + " levels");
            }
        }

        private void expect(char c, String where) throws JsonSyntaxException {
            if (!peek(c)) {
                throw error(atEnd() ? "unexpected end of input, expected '" + c + "' " + where
                        : "unexpected " + describeCurrent() + ", expected '" + c + "' " + where);
            }
            pos++;
        }

        private boolean peek(char c) {
            return pos < text.length() && text.charAt(pos) == c;
        }

        private boolean peekDigit() {
            return pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9';
        }

        private void skipDigits() {
            while (peekDigit()) {
                pos++;
            }
        }

        String describeCurrent() {
            return atEnd() ? "end of input" : "character '" + printable(text.charAt(pos)) + "'";
        }

        private static String printable(char c) {
            return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
        }

        JsonSyntaxException error(String problem) {
            return error(problem, pos);
        }

        JsonSyntaxException error(String problem, int at) {
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < at && i < text.length(); i++) {
                if (text.charAt(i) == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            return new JsonSyntaxException(problem, at, line, at - lineStart + 1);
        }
    }
}
