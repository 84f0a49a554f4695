package io.turboserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void readsEveryKindOfValue() throws Exception {
        Object value = Json.parse(" {\"s\": \"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\", \"n\": [0, -0, 12.5e-1, -3E+2,"
                + " 9223372036854775808], \"t\": true, \"f\": false, \"z\": null, \"o\": {}, \"a\": []}\r\n");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("s", "a\"b\\c/\né\uD83D\uDE00");
        expected.put("n", List.of(new BigDecimal("0"), new BigDecimal("-0"), new BigDecimal("12.5e-1"),
                new BigDecimal("-3E+2"), new BigDecimal("9223372036854775808")));
        expected.put("t", true);
        expected.put("f", false);
        expected.put("z", null);
        expected.put("o", Map.of());
        expected.put("a", List.of());
        assertEquals(expected, value);
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(((Map<?, ?>) value).keySet()), "order kept");
    }

    @Test
    void writesWhatItReads() throws Exception {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("text", "quote \" backslash \\ newline \n tab \t nul \u0000 line-sep \u2028 é");
        value.put("long", Long.MIN_VALUE);
        value.put("decimal", new BigDecimal("2.500"));
        value.put("list", Arrays.asList(1, null, true, "x"));
        value.put("enum", Thread.State.NEW);
        String text = Json.write(value);
        assertEquals("{\"text\":\"quote \\\" backslash \\\\ newline \\n tab \\t nul \\u0000 line-sep \\u2028 é\","
                + "\"long\":-9223372036854775808,\"decimal\":2.500,\"list\":[1,null,true,\"x\"],\"enum\":\"NEW\"}", text);
        Map<?, ?> back = (Map<?, ?>) Json.parse(text);
        assertEquals(value.get("text"), back.get("text"));
        assertEquals(new BigDecimal(Long.MIN_VALUE), back.get("long"));
        assertEquals(new BigDecimal("2.500"), back.get("decimal"));
    }

    @Test
    void refusesToWriteWhatJsonCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "``                    | 1 | 1  | unexpected end of input, expected a value",
        "`   `                 | 1 | 4  | unexpected end of input, expected a value",
        "{                     | 1 | 2  | unexpected end of input, expected an object key",
        "{\"a\" 1}             | 1 | 6  | unexpected character '1', expected ':' after the object key",
        "{\"a\":1,}            | 1 | 8  | unexpected character '}', expected an object key in double quotes",
        "{\"a\":1 \"b\":2}     | 1 | 8  | unexpected character '\"', expected ',' or '}'",
        "{a:1}                 | 1 | 2  | unexpected character 'a', expected an object key in double quotes",
        "[1,]                  | 1 | 4  | unexpected character ']', expected a value",
        "[1 2]                 | 1 | 4  | unexpected character '2', expected ',' or ']'",
        "[1                    | 1 | 3  | unexpected end of input, expected ',' or ']'",
        "01                    | 1 | 1  | leading zeros are not allowed in a number",
        "-                     | 1 | 2  | expected a digit after '-'",
        "1.                    | 1 | 3  | expected a digit after the decimal point",
        "1e+                   | 1 | 4  | expected a digit in the exponent",
        ".5                    | 1 | 1  | unexpected character '.', expected a value",
        "+1                    | 1 | 1  | unexpected character '+', expected a value",
        "\"abc                 | 1 | 5  | unterminated string (it starts at character 0)",
        "\"a\\x\"              | 1 | 3  | invalid escape sequence \\x",
        "\"\\u12G4\"           | 1 | 2  | invalid \\u escape, expected four hex digits",
        "'a'                   | 1 | 1  | unexpected character ''', expected a value",
        "tru                   | 1 | 1  | invalid literal, expected 'true'",
        "nul                   | 1 | 1  | invalid literal, expected 'null'",
        "NaN                   | 1 | 1  | unexpected character 'N', expected a value",
        "{\"a\":1,\"a\":2}     | 1 | 8  | duplicate key \"a\"",
        "{} x                  | 1 | 4  | unexpected character 'x' after the JSON value",
        "{}{}                  | 1 | 3  | unexpected character '{' after the JSON value",
        "// note               | 1 | 1  | unexpected character '/', expected a value",
    })
    void malformedTextIsRefusedWithItsPosition(String text, int line, int column, String problem) {
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> Json.parse(text));
        assertEquals(problem, e.problem());
        assertEquals(line, e.line());
        assertEquals(column, e.column());
        assertEquals(column - 1, e.offset());
    }

    @Test
    void positionsCountLines() {
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class,
                () -> Json.parse("{\n  \"prompt\": \"x\",\n  \"seed\": tru\n}"));
        assertEquals(3, e.line());
        assertEquals(11, e.column());
        assertEquals("malformed JSON at line 3, column 11 (character 29): invalid literal, expected 'true'",
                e.getMessage());
    }

    @Test
    void rawControlCharactersInStringsAreRefused() {
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> Json.parse("\"a\tb\""));
        assertEquals("control character U+0009 in a string must be escaped", e.problem());
        assertEquals(2, e.offset());
    }

    @Test
    void nestingIsBounded() throws Exception {
        String deepest = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        Json.parse(deepest);
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class,
                () -> Json.parse("[" + deepest + "]"));
        assertTrue(e.problem().startsWith("nesting deeper than"), e.problem());
        assertEquals(Json.MAX_DEPTH, e.offset());
    }

    @Test
    void hugeExponentsAreOutOfRangeNotACrash() {
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> Json.parse("1e99999999999"));
        assertEquals("number out of range", e.problem());
    }
}
