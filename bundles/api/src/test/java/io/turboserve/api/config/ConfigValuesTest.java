package io.turboserve.api.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Proxy;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigValuesTest {
    @interface Config {
        int sessionsPerGpu() default 4;

        long tickMillis() default 1000;

        String placementPolicy() default "playout-slack";
    }

    /** Converts values as DS does, lazily: a value that does not convert throws from its accessor. */
    private static Config config(Map<String, String> values) {
        return (Config) Proxy.newProxyInstance(Config.class.getClassLoader(), new Class<?>[] {Config.class},
                (proxy, m, args) -> {
                    String v = values.get(m.getName());
                    if (v == null) {
                        return m.getDefaultValue();
                    }
                    try {
                        return m.getReturnType() == int.class ? Integer.valueOf(v)
                                : m.getReturnType() == long.class ? (Object) Long.valueOf(v) : v;
                    } catch (NumberFormatException e) {
                        throw new IllegalStateException(e.toString()); // as DS wraps it: the cause in the message
                    }
                });
    }

    @Test
    void aReadableConfigurationIsReturnedAsIs() {
        Config c = config(Map.of("sessionsPerGpu", "3"));
        assertSame(c, ConfigValues.readable("pid", Config.class, c));
    }

    @Test
    void anInvalidConfigurationAtStartGivesTheDefaultsSettings() {
        assertEquals(4, (int) ConfigValues.<Config, Integer>orDefaults("pid", Config.class,
                config(Map.of("sessionsPerGpu", "abc")), Config::sessionsPerGpu));
        assertEquals(4, (int) ConfigValues.<Config, Integer>orDefaults("pid", Config.class,
                config(Map.of("sessionsPerGpu", "-3")), c -> {
            if (c.sessionsPerGpu() < 1) {
                throw new IllegalArgumentException("pid: sessionsPerGpu must be at least 1");
            }
            return c.sessionsPerGpu();
        }));
        assertEquals(3, (int) ConfigValues.<Config, Integer>orDefaults("pid", Config.class,
                config(Map.of("sessionsPerGpu", "3")), Config::sessionsPerGpu));
        assertEquals("playout-slack", ConfigValues.defaults(Config.class).placementPolicy());
    }

    @Test
    void eachValueThatCannotBeReadIsNamedWithWhy() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigValues.readable(
                "io.turboserve.core.runtime", Config.class, config(Map.of("sessionsPerGpu", "abc", "tickMillis", "1s"))));
        assertEquals("io.turboserve.core.runtime: sessionsPerGpu cannot be read as an int: For input string: \"abc\"; "
                + "tickMillis cannot be read as a long: For input string: \"1s\"", e.getMessage());
    }
}
