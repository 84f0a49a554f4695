package io.turboserve.api.provision;

/** No GPU could be provisioned (none left, or the cluster manager refused). */
public class ProvisionException extends Exception {
    private static final long serialVersionUID = 1L;

    public ProvisionException(String message) {
        super(message);
    }
}
