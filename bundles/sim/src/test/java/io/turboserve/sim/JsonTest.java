package io.turboserve.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

    @Test
    void readsEveryKindOfValueWithItsPosition() throws Exception {
        Json.Obj o = (Json.Obj) Json.parse(new StringReader(
                "{\"s\": \"a\\\"b\\u00e9\\n\", \"n\": -1.5e3,\n \"i\": 42, \"t\": true, \"f\": false, \"z\": null, \"a\": [1, []]}"));
        assertEquals("a\"b\u00e9\n", ((Json.Str) o.get("s")).value());
        assertEquals(-1500.0, ((Json.Num) o.get("n")).doubleValue());
        Json.Num i = (Json.Num) o.get("i");
        assertTrue(i.isInteger());
        assertEquals(2, i.line());
        assertEquals(7, i.column());
        assertInstanceOf(Json.Bool.class, o.get("t"));
        assertInstanceOf(Json.Null.class, o.get("z"));
        assertEquals(2, ((Json.Arr) o.get("a")).items().size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{'a': 1}", "[1,]", "{\"a\": 1,}", "[NaN]", "[1.]", "[.5]", "[+1]", "[\"a\nb\"]", "[1] x",
        "// c\n[1]", "[tru]", "{\"a\" 1}", "[\"\\x\"]", "", "[1"})
    void rejectsWhatIsNotStrictJson(String text) {
        assertThrows(Json.SyntaxError.class, () -> Json.parse(new StringReader(text)));
    }
}
