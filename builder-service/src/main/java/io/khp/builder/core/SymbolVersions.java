package io.khp.builder.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Symbol versions (CONFIG_MODVERSIONS): the genksyms CRC of each exported symbol's type. The
 * running kernel's are in the target's Module.symvers; kbuild appends those of a freshly
 * compiled file to its command file ({@code .<file>.o.cmd}, lines {@code #SYMVER <name> 0x<crc>},
 * Linux 6.1). A patch that changes one (a header newly included by the exporting file completes
 * a type the symbol's CRC covers, an argument type changes) compiles its callers against a
 * different interface than the one the running kernel exports.
 */
public final class SymbolVersions {

    /** An exported symbol whose CRC the patch changes. */
    public record Change(String symbol, String runningCrc, String patchedCrc, String file) {
    }

    private SymbolVersions() {
    }

    /** Module.symvers text: {@code <crc>\t<name>\t<object>\t<export kind>[\t<namespace>]}. */
    public static Map<String, String> parseSymvers(String text) {
        Map<String, String> crcs = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.split("\t");
            if (f.length >= 2 && f[0].startsWith("0x")) {
                crcs.put(f[1], normal(f[0]));
            }
        }
        return crcs;
    }

    /** Module.symvers text: each exported name's object ({@code vmlinux} or a module's path, e.g. net/sunrpc/sunrpc). */
    public static Map<String, String> exporters(String text) {
        Map<String, String> objects = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.split("\t");
            if (f.length >= 3 && f[0].startsWith("0x")) {
                objects.put(f[1], f[2]);
            }
        }
        return objects;
    }

    /** The {@code #SYMVER} lines of a kbuild command file. */
    public static Map<String, String> parseCommandFile(String text) {
        Map<String, String> crcs = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && f[0].equals("#SYMVER") && f[2].startsWith("0x")) {
                crcs.put(f[1], normal(f[2]));
            }
        }
        return crcs;
    }

    /** Symbols exported by {@code file} after the patch whose CRC differs from the running kernel's. */
    public static List<Change> changes(Map<String, String> running, Map<String, String> patched, String file) {
        List<Change> out = new ArrayList<>();
        patched.forEach((name, crc) -> {
            String old = running.get(name);
            if (old != null && !old.equals(crc)) {
                out.add(new Change(name, old, crc, file));
            }
        });
        return out;
    }

    private static String normal(String crc) {
        try {
            return String.format("0x%08x", Long.parseUnsignedLong(crc.substring(2), 16));
        } catch (NumberFormatException e) {
            return crc;
        }
    }
}
