package io.khp.agent.backend;

/**
 * A host refused or failed an operation. {@code code} is the helper's error code (a kernel errno
 * name such as EBUSY, or NOT_FOUND, BAD_REQUEST …) or {@link #TRANSPORT} when the host could not be
 * reached (the operation may or may not have happened), or {@link #DEADLINE} when the helper did not
 * answer a call within its deadline: the helper was then killed (its connection closed), and the
 * next call starts afresh.
 */
public final class BackendException extends Exception {

    public static final String TRANSPORT = "TRANSPORT";
    public static final String DEADLINE = "DEADLINE";

    private final String code;

    public BackendException(String code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    public BackendException(String code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }

    public String detail() {
        String m = getMessage();
        return m.startsWith(code + ": ") ? m.substring(code.length() + 2) : m;
    }

    public boolean deadline() {
        return DEADLINE.equals(code);
    }

    public boolean transport() {
        return TRANSPORT.equals(code);
    }
}
