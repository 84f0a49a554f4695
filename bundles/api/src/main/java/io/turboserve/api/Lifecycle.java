package io.turboserve.api;

/**
 * Where a session is in its life, as the user drives it: {@code ARRIVED -> ACTIVE <-> IDLE}, and
 * {@code DEPARTED} from any of them.
 */
public enum Lifecycle {
    /** Created; the user has not asked for video yet. */
    ARRIVED,
    /** The user is watching: chunks are generated. */
    ACTIVE,
    /** The user stepped away: no chunks, the state is kept (usually offloaded to host memory). */
    IDLE,
    /** Closed; everything it held is freed. */
    DEPARTED;

    /** @return whether a session may move from this state to {@code next}. */
    public boolean canMoveTo(Lifecycle next) {
        return switch (this) {
            case ARRIVED -> next == ACTIVE || next == DEPARTED;
            case ACTIVE -> next == IDLE || next == DEPARTED;
            case IDLE -> next == ACTIVE || next == DEPARTED;
            case DEPARTED -> false;
        };
    }
}
