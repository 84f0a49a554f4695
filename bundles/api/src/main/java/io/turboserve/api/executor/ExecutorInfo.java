package io.turboserve.api.executor;

/**
 * What an executor offers.
 *
 * @param name                  the driver, e.g. {@code "cpu"}, {@code "modelled"}, {@code "cuda"}
 * @param model                 the model preset it runs
 * @param devices               how many GPU workers it drives (ids 0..devices-1)
 * @param deviceMemoryBytes     memory per device available for session state
 * @param maxSessionsPerDevice  how many session states fit on one device
 * @param maxBatch              the most sessions one step may serve
 */
public record ExecutorInfo(String name, String model, int devices, long deviceMemoryBytes, int maxSessionsPerDevice,
        int maxBatch) {
}
