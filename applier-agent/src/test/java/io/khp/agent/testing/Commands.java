package io.khp.agent.testing;

import java.util.List;

import io.khp.bus.Events;
import io.khp.events.ApplyRequested;
import io.khp.events.ArtifactRef;
import io.khp.events.CaptureRequest;
import io.khp.events.KhpEvent;
import io.khp.events.PreRunVerified;
import io.khp.events.RevertRequested;
import io.khp.events.Verdict;

/** Commands and verdicts as the rollout controller and the verifier would publish them. */
public final class Commands {

    private static final Events CONTROLLER = new Events("test-rollout-controller");
    private static final Events VERIFIER = new Events("test-verifier");

    private Commands() {
    }

    public static KhpEvent apply(String host, String patch, String module, ArtifactRef artifact,
            List<CaptureRequest> captures) {
        return CONTROLLER.envelope().setHostId(host).setPatchId(patch).setCorrelationId("rollout-" + patch)
                .setPayload(ApplyRequested.newBuilder().setModuleName(module).setArtifact(artifact)
                        .setCaptures(captures).build())
                .build();
    }

    public static KhpEvent revert(String host, String patch, String module) {
        return CONTROLLER.envelope().setHostId(host).setPatchId(patch).setCorrelationId("rollout-" + patch)
                .setPayload(RevertRequested.newBuilder().setModuleName(module).setReason("test").build())
                .build();
    }

    public static KhpEvent verdict(KhpEvent captured, Verdict verdict, String reason) {
        return VERIFIER.answering(captured)
                .setPayload(PreRunVerified.newBuilder().setVerdict(verdict).setReason(reason).build())
                .build();
    }

    public static CaptureRequest capture(String symbol, int length, List<String> referenced) {
        return new CaptureRequest("vmlinux", symbol, null, length, referenced);
    }
}
