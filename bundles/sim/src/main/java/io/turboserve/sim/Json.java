package io.turboserve.sim;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader (RFC 8259) that remembers where every value starts, so that a trace
 * or profile loader can say which line, column and field is at fault. No library: the simulator
 * runs from the plain class path and its inputs are small.
 *
 * <p>Strict means: no comments, no trailing commas, no single quotes, no NaN or Infinity, no
 * control characters inside strings, no duplicate keys in an object, nothing after the top value.
 */
final class Json {

    /** A parsed value and where it starts (1-based line and column). */
    sealed interface Node permits Obj, Arr, Str, Num, Bool, Null {
        int line();

        int column();

        /** @return the JSON type in words, for messages. */
        String kind();
    }

    record Obj(Map<String, Node> fields, int line, int column) implements Node {
        Node get(String key) {
            return fields.get(key);
        }

        @Override
        public String kind() {
            return "an object";
        }
    }

    record Arr(List<Node> items, int line, int column) implements Node {
        @Override
        public String kind() {
            return "an array";
        }
    }

    record Str(String value, int line, int column) implements Node {
        @Override
        public String kind() {
            return "a string";
        }
    }

    /** A number, kept as its source text so that integers stay exact. */
    record Num(String text, int line, int column) implements Node {
        double doubleValue() {
            return Double.parseDouble(text);
        }

        /** @return whether the text is an integer literal (no fraction, no exponent). */
        boolean isInteger() {
            return text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0;
        }

        @Override
        public String kind() {
            return "a number";
        }
    }

    record Bool(boolean value, int line, int column) implements Node {
        @Override
        public String kind() {
            return "a boolean";
        }
    }

    record Null(int line, int column) implements Node {
        @Override
        public String kind() {
            return "null";
        }
    }

    /** A syntax error with its position. */
    static final class SyntaxError extends Exception {
        private static final long serialVersionUID = 1L;
        final int line;
        final int column;

        SyntaxError(int line, int column, String message) {
            super(message);
            this.line = line;
            this.column = column;
        }
    }

    private final Reader in;
    private final char[] buf = new char[8192];
    private int len;
    private int pos;
    /** Position of the next character to read. */
    private int line = 1;
    private int column = 1;
    private final StringBuilder sb = new StringBuilder();

    private Json(Reader in) {
        this.in = in;
    }

    /** Parses one JSON document; {@code SyntaxError} says where it is broken. */
    static Node parse(Reader in) throws IOException, SyntaxError {
        Json p = new Json(in);
        p.skipWhitespace();
        Node top = p.value(0);
        p.skipWhitespace();
        if (p.peek() != -1) {
            throw p.error("unexpected " + describe(p.peek()) + " after the end of the document");
        }
        return top;
    }

    // ---------------------------------------------------------------- characters

    private int peek() throws IOException {
        if (pos == len) {
            len = in.read(buf, 0, buf.length);
            pos = 0;
            if (len <= 0) {
                len = 0;
                return -1;
            }
        }
        return buf[pos];
    }

    private int next() throws IOException {
        int c = peek();
        if (c == -1) {
            return -1;
        }
        pos++;
        if (c == '\n') {
            line++;
            column = 1;
        } else {
            column++;
        }
        return c;
    }

    private void skipWhitespace() throws IOException {
        for (int c = peek(); c == ' ' || c == '\t' || c == '\n' || c == '\r'; c = peek()) {
            next();
        }
    }

    private SyntaxError error(String message) {
        return new SyntaxError(line, column, message);
    }

    private static String describe(int c) {
        if (c == -1) {
            return "end of input";
        }
        if (c < 0x20) {
            return String.format("control character U+%04X", c);
        }
        return "'" + (char) c + "'";
    }

    private void expect(char wanted, String context) throws IOException, SyntaxError {
        int c = peek();
        if (c != wanted) {
            throw error("expected '" + wanted + "' " + context + ", found " + describe(c));
        }
        next();
    }

    // ---------------------------------------------------------------- values

    private Node value(int depth) throws IOException, SyntaxError {
        if (depth > 512) {
            throw error("nesting deeper than 512 levels");
        }
        int l = line;
        int col = column;
        int c = peek();
        switch (c) {
            case '{':
                return object(depth, l, col);
            case '[':
                return array(depth, l, col);
            case '"':
                return new Str(string(), l, col);
            case 't':
                literal("true");
                return new Bool(true, l, col);
            case 'f':
                literal("false");
                return new Bool(false, l, col);
            case 'n':
                literal("null");
                return new Null(l, col);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return new Num(number(), l, col);
                }
                throw error("expected a value, found " + describe(c));
        }
    }

    private Obj object(int depth, int l, int col) throws IOException, SyntaxError {
        next();
        Map<String, Node> fields = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            next();
            return new Obj(Collections.unmodifiableMap(fields), l, col);
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("expected a field name in double quotes, found " + describe(peek()));
            }
            int kl = line;
            int kc = column;
            String key = string();
            skipWhitespace();
            expect(':', "after field name \"" + key + "\"");
            skipWhitespace();
            Node v = value(depth + 1);
            if (fields.put(key, v) != null) {
                throw new SyntaxError(kl, kc, "duplicate field \"" + key + "\"");
            }
            skipWhitespace();
            int c = next();
            if (c == '}') {
                return new Obj(Collections.unmodifiableMap(fields), l, col);
            }
            if (c != ',') {
                throw new SyntaxError(line, column - 1, "expected ',' or '}' in an object, found " + describe(c));
            }
        }
    }

    private Arr array(int depth, int l, int col) throws IOException, SyntaxError {
        next();
        List<Node> items = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            next();
            return new Arr(Collections.unmodifiableList(items), l, col);
        }
        while (true) {
            skipWhitespace();
            items.add(value(depth + 1));
            skipWhitespace();
            int c = next();
            if (c == ']') {
                return new Arr(Collections.unmodifiableList(items), l, col);
            }
            if (c != ',') {
                throw new SyntaxError(line, column - 1, "expected ',' or ']' in an array, found " + describe(c));
            }
        }
    }

    private void literal(String word) throws IOException, SyntaxError {
        for (int i = 0; i < word.length(); i++) {
            int c = peek();
            if (c != word.charAt(i)) {
                throw error("expected the literal " + word + ", found " + describe(c));
            }
            next();
        }
    }

    private String string() throws IOException, SyntaxError {
        next(); // the opening quote
        sb.setLength(0);
        while (true) {
            int c = peek();
            if (c == -1) {
                throw error("unterminated string");
            }
            if (c < 0x20) {
                throw error(describe(c) + " inside a string (escape it)");
            }
            next();
            if (c == '"') {
                return sb.toString();
            }
            if (c != '\\') {
                sb.append((char) c);
                continue;
            }
            int e = next();
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    int v = 0;
                    for (int i = 0; i < 4; i++) {
                        int h = Character.digit(peek(), 16);
                        if (peek() == -1 || h < 0) {
                            throw error("expected 4 hex digits after \\u, found " + describe(peek()));
                        }
                        next();
                        v = v * 16 + h;
                    }
                    sb.append((char) v);
                }
                default -> throw error("invalid escape \\" + (e == -1 ? "" : (char) e));
            }
        }
    }

    /** Reads {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}. */
    private String number() throws IOException, SyntaxError {
        sb.setLength(0);
        if (peek() == '-') {
            sb.append((char) next());
        }
        if (peek() == '0') {
            sb.append((char) next());
            if (isDigit(peek())) {
                throw error("a number must not have a leading zero");
            }
        } else {
            digits("a digit");
        }
        if (peek() == '.') {
            sb.append((char) next());
            digits("a digit after the decimal point");
        }
        if (peek() == 'e' || peek() == 'E') {
            sb.append((char) next());
            if (peek() == '+' || peek() == '-') {
                sb.append((char) next());
            }
            digits("a digit in the exponent");
        }
        return sb.toString();
    }

    private void digits(String what) throws IOException, SyntaxError {
        if (!isDigit(peek())) {
            throw error("expected " + what + ", found " + describe(peek()));
        }
        while (isDigit(peek())) {
            sb.append((char) next());
        }
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }
}
