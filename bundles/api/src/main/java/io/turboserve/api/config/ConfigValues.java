package io.turboserve.api.config;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Declarative Services converts a configuration's values to a component property type lazily:
 * {@code sessionsPerGpu=abc} in a {@code .cfg} file throws from {@code sessionsPerGpu()} at its
 * first call, as an exception that names neither the property nor the file. Components read their
 * configuration through {@link #readable} first, so that such a value gets the same clear error as
 * an out-of-range one, and the same handling.
 */
public final class ConfigValues {
    private ConfigValues() {
    }

    /**
     * Reads every attribute of {@code config} once.
     *
     * @param pid    the configuration's PID, for the message
     * @param type   the component property type
     * @param config its instance
     * @return {@code config}
     * @throws IllegalArgumentException naming the PID and each attribute that cannot be read, with
     *                                  why (e.g. {@code sessionsPerGpu cannot be read as an int:
     *                                  For input string: "abc"})
     */
    public static <A> A readable(String pid, Class<A> type, A config) {
        StringBuilder bad = new StringBuilder();
        Method[] attributes = type.getDeclaredMethods();
        Arrays.sort(attributes, Comparator.comparing(Method::getName));
        for (Method m : attributes) {
            if (m.getParameterCount() != 0 || m.getReturnType() == void.class || m.isSynthetic()
                    || java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            try {
                m.setAccessible(true);
                m.invoke(config);
            } catch (InvocationTargetException e) {
                Throwable why = e.getCause();
                while (why.getCause() != null && why.getCause() != why) {
                    why = why.getCause();
                }
                bad.append(bad.length() == 0 ? " " : "; ").append(m.getName()).append(" cannot be read as ")
                        .append(article(m.getReturnType().getSimpleName())).append(": ")
                        // A wrapper's message is often its cause's toString(): keep the words.
                        .append(String.valueOf(why.getMessage()).replaceFirst("^([\\w$]+\\.)+[\\w$]+(Exception|Error): ", ""));
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Not an attribute this helper can call: nothing to check.
            }
        }
        if (bad.length() > 0) {
            throw new IllegalArgumentException(pid + ":" + bad);
        }
        return config;
    }

    /** @return an instance of the component property type {@code type} with every value at its default */
    public static <A> A defaults(Class<A> type) {
        Object proxy = java.lang.reflect.Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (self, method, args) -> switch (method.getName()) {
                    case "annotationType" -> type;
                    case "hashCode" -> System.identityHashCode(self);
                    case "equals" -> self == args[0];
                    case "toString" -> type.getName() + " defaults";
                    default -> method.getDefaultValue();
                });
        return type.cast(proxy);
    }

    /**
     * A component's settings at its start: {@code validate} of its configuration, or, when that
     * is refused, of the defaults, saying why. An invalid file must not take a component away (the
     * HTTP API, the store, a default policy); fixing it applies as any edit does.
     *
     * @param validate validates a configuration; throws {@link IllegalArgumentException} naming
     *                 what it rejected
     */
    public static <A, S> S orDefaults(String pid, Class<A> type, A config, java.util.function.Function<A, S> validate) {
        try {
            return validate.apply(readable(pid, type, config));
        } catch (IllegalArgumentException e) {
            System.getLogger(ConfigValues.class.getName()).log(System.Logger.Level.ERROR, e.getMessage()
                    + " -- " + pid + " starts with its defaults instead; fix the configuration and it applies");
            return validate.apply(defaults(type));
        }
    }

    private static String article(String typeName) {
        return ("aeiou".indexOf(Character.toLowerCase(typeName.charAt(0))) >= 0 ? "an " : "a ") + typeName;
    }
}
