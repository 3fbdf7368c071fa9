package io.khp.builder.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Proves, before signing, that the finalized livepatch module will link when a host loads it:
 * every undefined symbol is exported by the target's vmlinux (Module.symvers; symbols the
 * livepatch defines itself are not undefined in the linked module; an export of a module would
 * need that module loaded before the livepatch), every {@code .klp.sym.OBJ.NAME,POS}
 * names a symbol that exists in object OBJ of the target at that position (the livepatch core
 * resolves them like {@code klp_find_object_symbol}: position 0 = the only symbol of that name,
 * N = the N-th in kallsyms order), and no symbol it depends on changes its version (CRC) with
 * the patch. Otherwise the module would fail at finit_module on every host, or run code compiled
 * against another interface.
 */
public final class ModuleLoadCheck {

    static final String KLP_SYM = ".klp.sym.";

    /**
     * The module's symbols: undefined names (without weak ones), livepatch symbols, and for each
     * symbol the sections whose relocations use it.
     */
    public record ModuleSymbols(Set<String> undefined, Set<String> livepatch, Map<String, Set<String>> users) {
        Set<String> usersOf(String symbol) {
            return users.getOrDefault(symbol, Set.of());
        }
    }

    /** A livepatch symbol's parts. */
    public record KlpSymbol(String object, String name, int position) {
    }

    /** One reason the module would not load (or would run against a changed interface). */
    public record Problem(String reasonCode, String symbol, String message) {
    }

    private ModuleLoadCheck() {
    }

    /** {@code .klp.sym.OBJ.NAME,POS}: OBJ has no '.', NAME may have dots, POS after the last ','. */
    public static Optional<KlpSymbol> parseKlpSymbol(String symbol) {
        if (!symbol.startsWith(KLP_SYM)) {
            return Optional.empty();
        }
        String rest = symbol.substring(KLP_SYM.length());
        int dot = rest.indexOf('.');
        int comma = rest.lastIndexOf(',');
        if (dot <= 0 || comma <= dot + 1) {
            return Optional.empty();
        }
        try {
            int pos = Integer.parseInt(rest.substring(comma + 1));
            return pos < 0 ? Optional.empty() : Optional.of(new KlpSymbol(rest.substring(0, dot), rest.substring(dot + 1, comma), pos));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The target objects whose symbol tables the check needs. */
    public static Set<String> objectsNeeded(ModuleSymbols module) {
        Set<String> objects = new TreeSet<>();
        module.livepatch().forEach(s -> parseKlpSymbol(s).ifPresent(k -> objects.add(k.object())));
        return objects;
    }

    /**
     * @param exported names exported by the target (Module.symvers)
     * @param targetNames per target object (vmlinux, module names): its symbol names in kallsyms order;
     *        an object missing here is not part of the target
     * @param versionChanges exported symbols whose CRC the patch changes, by name
     */
    public static List<Problem> check(ModuleSymbols module, Set<String> exported, Map<String, List<String>> targetNames,
            Map<String, SymbolVersions.Change> versionChanges) {
        Map<String, String> byVmlinux = new java.util.HashMap<>();
        exported.forEach(name -> byVmlinux.put(name, "vmlinux"));
        return check(module, byVmlinux, targetNames, versionChanges);
    }

    /** As above, with each exported name's object ({@link SymbolVersions#exporters}). */
    public static List<Problem> check(ModuleSymbols module, Map<String, String> exporters, Map<String, List<String>> targetNames,
            Map<String, SymbolVersions.Change> versionChanges) {
        List<Problem> problems = new ArrayList<>();
        for (String name : new TreeSet<>(module.undefined())) {
            String exporter = exporters.get(name);
            if (exporter == null) {
                problems.add(new Problem(ReasonCodes.UNRESOLVED_SYMBOL, name, name + " (used by " + users(module, name)
                        + ") is neither exported by the target kernel (Module.symvers) nor defined by the livepatch"));
            } else if (!exporter.equals("vmlinux")) {
                String owner = exporter.substring(exporter.lastIndexOf('/') + 1);
                problems.add(new Problem(ReasonCodes.UNRESOLVED_SYMBOL, name, name + " (used by " + users(module, name)
                        + ") is exported by module " + owner + ", not by vmlinux: the livepatch would load only where "
                        + owner + " is already loaded; keep calls into other modules out of the changed code"));
            }
        }
        for (String symbol : new TreeSet<>(module.livepatch())) {
            Optional<KlpSymbol> parsed = parseKlpSymbol(symbol);
            if (parsed.isEmpty()) {
                problems.add(new Problem(ReasonCodes.UNRESOLVED_SYMBOL, symbol, "malformed livepatch symbol " + symbol
                        + " (used by " + users(module, symbol) + ")"));
                continue;
            }
            KlpSymbol k = parsed.get();
            List<String> names = targetNames.get(k.object());
            String why = null;
            if (names == null) {
                why = "the target has no object " + k.object();
            } else {
                int count = Collections.frequency(names, k.name());
                if (count == 0) {
                    why = k.object() + " has no symbol " + k.name();
                } else if (k.position() == 0 && count > 1) {
                    why = k.object() + " has " + count + " symbols named " + k.name() + " and position 0 asks for a unique one";
                } else if (k.position() > count) {
                    why = k.object() + " has " + count + " symbol(s) named " + k.name() + ", not a position " + k.position();
                }
            }
            if (why != null) {
                problems.add(new Problem(ReasonCodes.UNRESOLVED_SYMBOL, k.name(), symbol + " (used by " + users(module, symbol)
                        + ") cannot be resolved: " + why));
            }
        }
        for (String name : new TreeSet<>(versionChanges.keySet())) {
            Set<String> users = new TreeSet<>(module.usersOf(name));
            boolean depends = module.undefined().contains(name);
            for (String symbol : module.livepatch()) {
                Optional<KlpSymbol> k = parseKlpSymbol(symbol);
                if (k.isPresent() && k.get().name().equals(name)) {
                    depends = true;
                    users.addAll(module.usersOf(symbol));
                }
            }
            if (depends) {
                SymbolVersions.Change c = versionChanges.get(name);
                problems.add(new Problem(ReasonCodes.SYMBOL_VERSION_CHANGED, name, "the patch changes the version of "
                        + name + " exported by " + c.file() + " from " + c.runningCrc() + " (running kernel) to "
                        + c.patchedCrc() + ", and the livepatch uses it (" + (users.isEmpty() ? "?" : String.join(", ", users))
                        + "): its callers would be compiled against another interface than the running kernel's"));
            }
        }
        return problems;
    }

    private static String users(ModuleSymbols module, String symbol) {
        Set<String> u = module.usersOf(symbol);
        return u.isEmpty() ? "no relocation" : String.join(", ", new TreeSet<>(u));
    }
}
