package io.khp.ledger.core;

import java.util.List;

import io.khp.state.HostPatchChange;
import io.khp.state.HostState;
import io.khp.state.Rejection;

/**
 * The result of folding one event into a host: the new state (null when the host stays unknown),
 * the patch state changes it caused, and the rejection if the event was refused. A duplicate
 * changes nothing and is only flagged.
 */
public record HostStep(HostState state, List<HostPatchChange> changes, Rejection rejection, boolean duplicate) {

    public boolean changed() {
        return !duplicate && rejection == null;
    }
}
