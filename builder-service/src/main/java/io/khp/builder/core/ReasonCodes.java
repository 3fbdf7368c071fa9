package io.khp.builder.core;

/**
 * The builder's stable BuildFailed reason codes. The object tool's own codes (DATA_CHANGED,
 * INIT_CHANGED, …) are passed through unchanged.
 */
public final class ReasonCodes {

    public static final String MALFORMED_DIFF = "MALFORMED_DIFF";
    public static final String PATCH_DOES_NOT_APPLY = "PATCH_DOES_NOT_APPLY";
    public static final String NO_C_FILE = "NO_C_FILE";
    public static final String ASSEMBLY_CHANGED = "ASSEMBLY_CHANGED";
    public static final String HEADER_CHANGED = "HEADER_CHANGED";
    public static final String BUILD_SYSTEM_CHANGED = "BUILD_SYSTEM_CHANGED";
    public static final String FILE_CREATED_OR_DELETED = "FILE_CREATED_OR_DELETED";
    public static final String FILE_NOT_IN_TREE = "FILE_NOT_IN_TREE";
    public static final String NOT_BUILT_FOR_TARGET = "NOT_BUILT_FOR_TARGET";
    public static final String COMPILE_ERROR = "COMPILE_ERROR";
    /** A compiler or kbuild run went past its deadline and was killed. */
    public static final String BUILD_TIMEOUT = "BUILD_TIMEOUT";
    public static final String NOTHING_CHANGED = "NOTHING_CHANGED";
    /** The object tool's code for a file whose only change is line numbers. */
    public static final String NO_FUNCTIONAL_CHANGE = "NO_FUNCTIONAL_CHANGE";
    public static final String SYMPOS_UNRESOLVED = "SYMPOS_UNRESOLVED";
    public static final String UNRESOLVED_SYMBOL = "UNRESOLVED_SYMBOL";
    public static final String SYMBOL_VERSION_CHANGED = "SYMBOL_VERSION_CHANGED";
    public static final String OBJECT_TOOL_ERROR = "OBJECT_TOOL_ERROR";
    public static final String MODULE_BUILD_ERROR = "MODULE_BUILD_ERROR";
    public static final String UNSUPPORTED_TARGET = "UNSUPPORTED_TARGET";
    public static final String NO_SIGNING_KEY = "NO_SIGNING_KEY";
    public static final String INTERNAL_ERROR = "INTERNAL_ERROR";
    /** bubblewrap cannot run here: nothing is built without the sandbox unless the operator turned it off. */
    public static final String SANDBOX_UNAVAILABLE = "SANDBOX_UNAVAILABLE";
    /** A patch API macro used in a way the livepatch cannot carry (also reported by the object tool). */
    public static final String PATCH_API_MISUSE = "PATCH_API_MISUSE";

    private ReasonCodes() {
    }
}
