package io.turboserve.management;

import io.turboserve.api.serving.PolicySlot;
import io.turboserve.api.serving.ServingException;
import io.turboserve.api.serving.ServingService;

/** {@link PolicyMXBean} for one slot over the serving service. */
final class PolicyBean implements PolicyMXBean {
    private final ServingService serving;
    private final PolicySlot slot;

    PolicyBean(ServingService serving, PolicySlot slot) {
        this.serving = serving;
        this.slot = slot;
    }

    @Override
    public String getSlot() {
        return Slots.name(slot);
    }

    @Override
    public String getActive() {
        String active = Slots.active(serving.cluster(), slot);
        return active == null ? "" : active;
    }

    @Override
    public String[] getAvailable() {
        return serving.policies(slot).toArray(String[]::new);
    }

    @Override
    public void select(String name) {
        select(serving, slot, name);
    }

    static void select(ServingService serving, PolicySlot slot, String name) {
        String n = Failures.required("policy name", name).trim();
        try {
            serving.selectPolicy(slot, n);
        } catch (ServingException e) {
            throw Failures.toJmx("select " + Slots.name(slot) + " policy '" + n + "'", e);
        }
    }
}
