package io.khp.builder.core;

import io.khp.events.BuildFailed;
import io.khp.events.BuildStage;

/**
 * Why a build stopped, precisely enough for the user to act: the stage, a stable reason code
 * (see {@link ReasonCodes}), a sentence, and where (file and hunk, or symbol and section).
 */
public record BuildRefusal(BuildStage stage, String reasonCode, String reason, String file, String hunk,
        String symbol, String section, String compilerOutput) {

    public static BuildRefusal of(BuildStage stage, String reasonCode, String reason) {
        return new BuildRefusal(stage, reasonCode, reason, null, null, null, null, null);
    }

    public BuildRefusal withFile(String file, String hunk) {
        return new BuildRefusal(stage, reasonCode, reason, file, hunk, symbol, section, compilerOutput);
    }

    public BuildRefusal withSymbol(String symbol, String section) {
        return new BuildRefusal(stage, reasonCode, reason, file, hunk, symbol, section, compilerOutput);
    }

    public BuildRefusal withCompilerOutput(String output) {
        return new BuildRefusal(stage, reasonCode, reason, file, hunk, symbol, section, output);
    }

    public BuildFailed toEvent() {
        return BuildFailed.newBuilder()
                .setStage(stage)
                .setReasonCode(reasonCode)
                .setReason(reason)
                .setFile(file)
                .setHunk(hunk)
                .setSymbol(symbol)
                .setSection(section)
                .setCompilerOutput(compilerOutput)
                .build();
    }

    /** Thrown by pipeline steps that refuse; carries the refusal to the event. */
    public static final class RefusedException extends Exception {
        private final BuildRefusal refusal;

        public RefusedException(BuildRefusal refusal) {
            super(refusal.reasonCode() + ": " + refusal.reason());
            this.refusal = refusal;
        }

        public BuildRefusal refusal() {
            return refusal;
        }
    }
}
