package io.turboserve.management;

import io.turboserve.api.serving.ClusterStatus;
import io.turboserve.api.serving.PolicySlot;
import java.util.Locale;

/** Policy slots by their names on the outside: {@code placement} and {@code autoscaling}. */
final class Slots {
    private Slots() {
    }

    static String name(PolicySlot slot) {
        return slot.name().toLowerCase(Locale.ROOT);
    }

    static PolicySlot parse(String name) {
        String n = Failures.required("policy slot", name).trim();
        for (PolicySlot slot : PolicySlot.values()) {
            if (name(slot).equalsIgnoreCase(n)) {
                return slot;
            }
        }
        throw new IllegalArgumentException("INVALID: unknown policy slot '" + name + "'; expected placement or autoscaling");
    }

    static String active(ClusterStatus cluster, PolicySlot slot) {
        return switch (slot) {
            case PLACEMENT -> cluster.placementPolicy();
            case AUTOSCALING -> cluster.autoscalingPolicy();
        };
    }
}
