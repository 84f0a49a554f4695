package io.turboserve.gateway;

/** A JSON text is malformed; says where (character offset, line and column) and what is wrong. */
final class JsonSyntaxException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int offset;
    private final int line;
    private final int column;
    private final String problem;

    JsonSyntaxException(String problem, int offset, int line, int column) {
        super("malformed JSON at line " + line + ", column " + column + " (character " + offset + "): " + problem);
        this.problem = problem;
        this.offset = offset;
        this.line = line;
        this.column = column;
    }

    /** @return the 0-based character offset of the problem. */
    int offset() {
        return offset;
    }

    /** @return the 1-based line. */
    int line() {
        return line;
    }

    /** @return the 1-based column. */
    int column() {
        return column;
    }

    /** @return what is wrong, without the position. */
    String problem() {
        return problem;
    }
}
