package io.khp.ledger;

import io.khp.bus.Topics;
import io.khp.events.ApplyRequested;
import io.khp.events.BuildFailed;
import io.khp.events.BuildProgress;
import io.khp.events.BuildRequested;
import io.khp.events.KhpEvent;
import io.khp.events.PatchBuilt;
import io.khp.events.RevertRequested;
import io.khp.events.RolloutCompleted;
import io.khp.events.RolloutHalted;
import io.khp.events.RolloutRequested;
import io.khp.events.RolloutWaveStarted;

/** The topic each kind of event travels on, and its key there (DESIGN.md's event flow). */
public final class EventTopics {

    private EventTopics() {
    }

    public static String topicOf(KhpEvent event) {
        Object p = event.getPayload();
        if (p instanceof ApplyRequested || p instanceof RevertRequested) {
            return Topics.HOST_COMMANDS.name();
        }
        if (p instanceof BuildRequested || p instanceof BuildProgress || p instanceof PatchBuilt || p instanceof BuildFailed) {
            return Topics.BUILDS.name();
        }
        if (p instanceof RolloutRequested || p instanceof RolloutWaveStarted || p instanceof RolloutHalted || p instanceof RolloutCompleted) {
            return Topics.ROLLOUTS.name();
        }
        return Topics.HOST_LIFECYCLE.name(); // HostReported and the patch lifecycle
    }

    /** Patch id on the patch-keyed topics, host id on the others. */
    public static String keyOf(KhpEvent event) {
        String topic = topicOf(event);
        return topic.equals(Topics.BUILDS.name()) || topic.equals(Topics.ROLLOUTS.name()) ? event.getPatchId() : event.getHostId();
    }
}
