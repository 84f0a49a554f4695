package io.turboserve.api.serving;

/** The two pluggable policies of a server. */
public enum PolicySlot {
    PLACEMENT, AUTOSCALING
}
