package io.khp.builder.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Gives each duplicate-named local symbol of one compiled file its livepatch {@code sympos}: the
 * 1-based position of OUR symbol among the same-name symbols of the target object, in kallsyms
 * order.
 *
 * <p>Which duplicate is ours: the kernel links a file's code (and its data) contiguously, so ours
 * is the candidate inside the run of the file's own symbols: the one with the fewest uniquely
 * named symbols of other files between it and a symbol of the same file whose name is unique in
 * the object (an "anchor"), then the one nearest an anchor by address; text candidates against
 * text anchors and data candidates against data anchors. A symbol that shares its object section with anchors (statics of an explicitly named
 * section such as WARN_ON_ONCE's {@code .data.once}, which the kernel links from all files into one
 * region far from each file's other data) is placed exactly instead: ours is the candidate at the
 * anchor's address plus the two symbols' distance in the object. When no anchor exists, or two
 * candidates are equally near, the symbol is unresolved and the build is refused rather than
 * guessing (the verifier's run-pre match would then be the only safety net).
 */
public final class SymposResolver {

    /** One kallsyms line of the target object. */
    public record KallsymsEntry(long address, char type, String name) {
        boolean text() {
            return type == 't' || type == 'T';
        }
    }

    /** Where the compiled file defines a symbol: its section in the object and its offset there. */
    public record Placement(String section, long offset) {
    }

    /** The outcome: positions for duplicate names, and the names that could not be placed with why. */
    public record Result(Map<String, Integer> positions, Map<String, String> unresolved) {
    }

    private SymposResolver() {
    }

    /** Parses /proc/kallsyms text, keeping the lines of {@code object} ("vmlinux" = lines without a [module]). */
    public static List<KallsymsEntry> parseKallsyms(String text, String object) {
        List<KallsymsEntry> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 3) {
                continue;
            }
            String module = f.length >= 4 && f[3].startsWith("[") ? f[3].substring(1, f[3].length() - 1) : null;
            boolean ours = object.equals("vmlinux") ? module == null : object.equals(module);
            if (!ours) {
                continue;
            }
            try {
                out.add(new KallsymsEntry(Long.parseUnsignedLong(f[0], 16), f[1].charAt(0), f[2]));
            } catch (NumberFormatException e) {
                // a malformed line: not a symbol
            }
        }
        return out;
    }

    /**
     * @param kallsyms the target object's symbols in kallsyms order
     * @param localsOfFile names of the local symbols the compiled file defines (functions and data)
     * @param definedByFile every name the compiled file defines (locals and globals): anchor candidates
     */
    public static Result resolve(List<KallsymsEntry> kallsyms, Set<String> localsOfFile, Set<String> definedByFile) {
        return resolve(kallsyms, localsOfFile, definedByFile, Map.of());
    }

    /** As above, with the file's {@code placements} (section and offset of each defined name) for exact placement. */
    public static Result resolve(List<KallsymsEntry> kallsyms, Set<String> localsOfFile, Set<String> definedByFile,
            Map<String, Placement> placements) {
        Map<String, List<KallsymsEntry>> byName = new HashMap<>();
        Map<String, List<Integer>> indexByName = new HashMap<>();
        for (int i = 0; i < kallsyms.size(); i++) {
            KallsymsEntry e = kallsyms.get(i);
            byName.computeIfAbsent(e.name(), k -> new ArrayList<>()).add(e);
            indexByName.computeIfAbsent(e.name(), k -> new ArrayList<>()).add(i);
        }
        List<Long> textAnchors = new ArrayList<>();
        List<Long> dataAnchors = new ArrayList<>();
        for (String name : definedByFile) {
            List<KallsymsEntry> c = byName.get(name);
            if (c != null && c.size() == 1) {
                (c.get(0).text() ? textAnchors : dataAnchors).add(c.get(0).address());
            }
        }
        Map<String, Integer> positions = new TreeMap<>();
        Map<String, String> unresolved = new TreeMap<>();
        for (String name : localsOfFile) {
            List<KallsymsEntry> candidates = byName.get(name);
            if (candidates == null || candidates.size() < 2) {
                continue;
            }
            int placed = placedInSection(name, candidates, byName, definedByFile, placements);
            if (placed >= 0) {
                positions.put(name, placed + 1);
                continue;
            }
            int best = -1;
            int bestForeign = Integer.MAX_VALUE;
            long bestDistance = Long.MAX_VALUE;
            boolean tie = false;
            List<Integer> at = indexByName.get(name);
            for (int i = 0; i < candidates.size(); i++) {
                KallsymsEntry c = candidates.get(i);
                int foreign = foreignBetween(kallsyms, at.get(i), byName, definedByFile);
                long d = nearest(c.text() ? textAnchors : dataAnchors, c.address());
                if (foreign < bestForeign || (foreign == bestForeign && d < bestDistance)) {
                    bestForeign = foreign;
                    bestDistance = d;
                    best = i;
                    tie = false;
                } else if (foreign == bestForeign && d == bestDistance) {
                    tie = true;
                }
            }
            if (best < 0 || bestDistance == Long.MAX_VALUE) {
                unresolved.put(name, candidates.size() + " symbols named " + name
                        + " and no uniquely named symbol of the same file to tell which one is ours");
            } else if (tie) {
                unresolved.put(name, candidates.size() + " symbols named " + name + " are equally near the file's other symbols");
            } else {
                positions.put(name, best + 1);
            }
        }
        return new Result(positions, unresolved);
    }

    /**
     * The index of the one candidate lying where an anchor of the same object section puts
     * {@code name}, or -1 when no anchor shares its section or not exactly one candidate fits.
     */
    private static int placedInSection(String name, List<KallsymsEntry> candidates, Map<String, List<KallsymsEntry>> byName,
            Set<String> definedByFile, Map<String, Placement> placements) {
        Placement ours = placements.get(name);
        if (ours == null) {
            return -1;
        }
        Set<Integer> fitting = new java.util.TreeSet<>();
        for (String anchor : definedByFile) {
            Placement at = placements.get(anchor);
            List<KallsymsEntry> a = byName.get(anchor);
            if (anchor.equals(name) || at == null || !at.section().equals(ours.section()) || a == null || a.size() != 1) {
                continue;
            }
            long expected = a.get(0).address() + (ours.offset() - at.offset());
            for (int i = 0; i < candidates.size(); i++) {
                if (candidates.get(i).address() == expected) {
                    fitting.add(i);
                }
            }
        }
        return fitting.size() == 1 ? fitting.iterator().next() : -1;
    }

    /** Beyond this many other files' symbols a candidate is taken to be far from every anchor. */
    private static final int FOREIGN_LIMIT = 64;

    /**
     * How many uniquely named symbols of other files (same kind: text or data) lie, in kallsyms
     * order, between the symbol at {@code index} and the nearest anchor on its better side: 0 when
     * it sits inside the file's own run of symbols.
     */
    private static int foreignBetween(List<KallsymsEntry> kallsyms, int index, Map<String, List<KallsymsEntry>> byName,
            Set<String> definedByFile) {
        boolean text = kallsyms.get(index).text();
        int best = FOREIGN_LIMIT;
        for (int step : new int[] {-1, 1}) {
            int foreign = 0;
            for (int i = index + step; i >= 0 && i < kallsyms.size() && foreign < best; i += step) {
                KallsymsEntry e = kallsyms.get(i);
                if (e.text() != text || byName.get(e.name()).size() != 1) {
                    continue;
                }
                if (definedByFile.contains(e.name())) {
                    best = foreign;
                    break;
                }
                foreign++;
            }
        }
        return best;
    }

    private static long nearest(List<Long> anchors, long address) {
        long best = Long.MAX_VALUE;
        for (long a : anchors) {
            long d = Math.abs(a - address);
            if (d < best) {
                best = d;
            }
        }
        return best;
    }

    /** The object tool's --sympos file: lines {@code <name> <sympos>}. */
    public static String symposFile(Map<String, Integer> positions) {
        StringBuilder b = new StringBuilder();
        positions.forEach((name, pos) -> b.append(name).append(' ').append(pos).append('\n'));
        return b.toString();
    }
}
