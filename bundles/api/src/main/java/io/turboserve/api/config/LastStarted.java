package io.turboserve.api.config;

import java.lang.System.Logger.Level;
import java.util.function.Supplier;

/**
 * The settings a component last started with. DS replaces a component on every edit of its
 * configuration; an invalid edit must not leave the server without, say, its executor, nor start
 * one whose state shape differs from the states just offloaded from the previous instance. So the
 * replacement of an invalid edit starts with these, saying why. Keep one per component class, in a
 * static field: it outlives the instances DS replaces.
 *
 * @param <S> the validated settings
 */
public final class LastStarted<S> {
    private final String component;
    private volatile S settings;

    /** @param component how the log names the component ("the executor") */
    public LastStarted(String component) {
        this.component = component;
    }

    /**
     * @param wanted   validates the new configuration; throws {@link IllegalArgumentException}
     *                 naming what it rejected
     * @param fallback the settings to start with when there is no previous start (the defaults),
     *                 or null to refuse the start (a component that needs a configuration)
     * @return the settings to start with, remembered as the last started
     * @throws IllegalArgumentException the refusal of {@code wanted} when there is nothing to fall
     *                                  back to
     */
    public S settle(Supplier<S> wanted, Supplier<S> fallback) {
        S chosen;
        try {
            chosen = wanted.get();
        } catch (IllegalArgumentException e) {
            S previous = settings;
            if (previous == null && fallback == null) {
                throw e;
            }
            System.getLogger(LastStarted.class.getName()).log(Level.ERROR, e.getMessage() + (previous != null
                    ? " -- the change is ignored; " + component + " restarts with its previous configuration"
                    : " -- " + component + " starts with its defaults; fix the configuration and it restarts with it"));
            chosen = previous != null ? previous : fallback.get();
        }
        settings = chosen;
        return chosen;
    }
}
