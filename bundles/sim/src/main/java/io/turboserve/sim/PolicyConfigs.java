package io.turboserve.sim;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds a component's configuration annotation ({@code @interface Config}) outside the OSGi
 * framework, so that the simulator and the benchmark can construct policies with their
 * {@code @Activate} constructors: every attribute has its declared default unless given here.
 *
 * <pre>
 * new FixedAutoscaling(PolicyConfigs.of(FixedAutoscaling.Config.class, Map.of("budget", 16)))
 * </pre>
 */
public final class PolicyConfigs {
    private PolicyConfigs() {
    }

    /**
     * @param type   the configuration annotation type
     * @param values attribute values by method name; the rest take their defaults
     * @return an instance of {@code type}
     * @throws IllegalArgumentException for an unknown attribute, a value of the wrong type, or an
     *                                  attribute without default that is not given
     */
    public static <A extends Annotation> A of(Class<A> type, Map<String, ?> values) {
        Map<String, Object> resolved = new HashMap<>();
        for (Method m : type.getDeclaredMethods()) {
            Object v = values.containsKey(m.getName()) ? values.get(m.getName()) : m.getDefaultValue();
            if (v == null) {
                throw new IllegalArgumentException(type.getName() + "." + m.getName() + " has no default; give a value");
            }
            Class<?> want = box(m.getReturnType());
            if (!want.isInstance(v)) {
                throw new IllegalArgumentException(type.getName() + "." + m.getName() + " is a " + m.getReturnType().getName()
                        + ", got " + v.getClass().getName());
            }
            resolved.put(m.getName(), v);
        }
        for (String k : values.keySet()) {
            if (!resolved.containsKey(k)) {
                throw new IllegalArgumentException(type.getName() + " has no attribute " + k);
            }
        }
        Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, method, args) -> {
            switch (method.getName()) {
                case "annotationType":
                    return type;
                case "toString":
                    return "@" + type.getName() + resolved;
                case "hashCode":
                    return resolved.hashCode();
                case "equals":
                    return p == args[0];
                default:
                    return resolved.get(method.getName());
            }
        });
        return type.cast(proxy);
    }

    private static Class<?> box(Class<?> c) {
        if (!c.isPrimitive()) {
            return c;
        }
        if (c == int.class) {
            return Integer.class;
        } else if (c == long.class) {
            return Long.class;
        } else if (c == double.class) {
            return Double.class;
        } else if (c == boolean.class) {
            return Boolean.class;
        } else if (c == float.class) {
            return Float.class;
        } else if (c == short.class) {
            return Short.class;
        } else if (c == byte.class) {
            return Byte.class;
        }
        return Character.class;
    }
}
