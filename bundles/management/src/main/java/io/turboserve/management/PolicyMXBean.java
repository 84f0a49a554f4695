package io.turboserve.management;

/** One policy slot, as {@code io.turboserve:type=Policy,slot=placement|autoscaling}. */
public interface PolicyMXBean {
    /** @return {@code placement} or {@code autoscaling}. */
    String getSlot();

    /** @return the active policy's name. */
    String getActive();

    /** @return the names of the policies bound for this slot. */
    String[] getAvailable();

    /** Makes the named policy active; it serves from the next decision. */
    void select(String name);
}
