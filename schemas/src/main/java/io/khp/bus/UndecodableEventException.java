package io.khp.bus;

import org.apache.kafka.common.errors.SerializationException;

/** A record's value is not a khp event this build can read: bad header, unknown schema, truncated, corrupt. */
public final class UndecodableEventException extends SerializationException {

    private final String reason;

    public UndecodableEventException(String reason, Throwable cause) {
        super(reason + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage()), cause);
        this.reason = reason;
    }

    /** Short, stable description of what was wrong, e.g. "unknown schema fingerprint". */
    public String reason() {
        return reason;
    }
}
