package io.khp.builder.core;

/**
 * Names of livepatch modules: {@code khp_} + the patch name reduced to [a-z0-9_], at most 55
 * characters (the kernel's MODULE_NAME_LEN is 56 with the terminating NUL). The name is what
 * /sys/kernel/livepatch shows and what agents load and revert by.
 */
public final class ModuleNames {

    public static final int MAX_LENGTH = 55;

    private ModuleNames() {
    }

    public static String forPatch(String patchName) {
        String base = patchName == null ? "" : patchName.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]+", "_")
                .replaceAll("_+", "_").replaceAll("^_|_$", "");
        if (base.isEmpty()) {
            base = "patch";
        }
        String name = "khp_" + base;
        return name.length() > MAX_LENGTH ? name.substring(0, MAX_LENGTH).replaceAll("_$", "") : name;
    }

    public static boolean isValid(String name) {
        return name != null && name.length() <= MAX_LENGTH && name.matches("[a-z_][a-z0-9_]*");
    }
}
