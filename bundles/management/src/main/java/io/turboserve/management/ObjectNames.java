package io.turboserve.management;

import io.turboserve.api.serving.PolicySlot;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * The JMX names of DESIGN.md section 9. A session id is used as it is unless it holds a character
 * that an ObjectName value cannot hold bare ({@code , = : " * ?} or a line break); then it is quoted
 * with {@link ObjectName#quote}, so every id gets a name and no two ids share one.
 */
final class ObjectNames {
    static final String DOMAIN = "io.turboserve";

    private ObjectNames() {
    }

    static ObjectName cluster() {
        return name(DOMAIN + ":type=Cluster");
    }

    static ObjectName gpu(int id) {
        return name(DOMAIN + ":type=Gpu,id=" + id);
    }

    static ObjectName session(String id) {
        return name(DOMAIN + ":type=Session,id=" + value(id));
    }

    static ObjectName policy(PolicySlot slot) {
        return name(DOMAIN + ":type=Policy,slot=" + Slots.name(slot));
    }

    /** @return the pattern matching every MBean of ours. */
    static ObjectName all() {
        return name(DOMAIN + ":*");
    }

    static String value(String id) {
        if (id.isEmpty()) {
            return ObjectName.quote(id);
        }
        for (int i = 0; i < id.length(); i++) {
            switch (id.charAt(i)) {
                case ',', '=', ':', '"', '*', '?', '\n', '\r' -> {
                    return ObjectName.quote(id);
                }
                default -> {
                }
            }
        }
        return id;
    }

    private static ObjectName name(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("not an ObjectName: " + name, e);
        }
    }
}
