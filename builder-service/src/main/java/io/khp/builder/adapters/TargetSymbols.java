package io.khp.builder.adapters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import io.khp.builder.core.SymposResolver;

/**
 * The target kernel's symbols in kallsyms order, the order livepatch's sympos counts in.
 * vmlinux: the /proc/kallsyms of the flavour's image read once from a qemu guest and cached
 * (builder-service/bin/target-kallsyms). A module: the symbol table of its .ko in the image
 * package, in table order (the order a loaded module's kallsyms shows).
 */
public final class TargetSymbols {

    /**
     * Names an object file defines: its local symbols, its global ones and all of them, with the
     * section and offset of each.
     */
    public record Definitions(Set<String> locals, Set<String> globals, Set<String> all,
            Map<String, SymposResolver.Placement> placements) {
    }

    private final Path script;
    private final Map<String, List<SymposResolver.KallsymsEntry>> cache = new ConcurrentHashMap<>();

    public TargetSymbols(Path khpHome) {
        this.script = khpHome.resolve("builder-service/bin/target-kallsyms");
    }

    public List<SymposResolver.KallsymsEntry> of(KernelPackages.Flavour flavour, String object) throws IOException {
        String key = flavour.release() + "/" + flavour.version() + "/" + object;
        List<SymposResolver.KallsymsEntry> known = cache.get(key);
        if (known != null) {
            return known;
        }
        List<SymposResolver.KallsymsEntry> entries;
        if (object.equals("vmlinux")) {
            ProcessRunner.Outcome o = ProcessRunner.run(List.of(script.toString(), flavour.name()), null, Map.of(), Duration.ofMinutes(10));
            if (!o.ok()) {
                throw new IOException("cannot read the kallsyms of " + flavour.release() + ": " + o.tail(2000));
            }
            entries = SymposResolver.parseKallsyms(Files.readString(Path.of(o.stdout().strip()), StandardCharsets.ISO_8859_1), "vmlinux");
        } else {
            Path ko = moduleFile(flavour, object).orElseThrow(() -> new IOException("module " + object + " is not in the "
                    + flavour.release() + " image"));
            entries = new ArrayList<>();
            for (String[] f : nm(ko)) {
                if (f.length == 3 && !f[1].equalsIgnoreCase("U")) {
                    entries.add(new SymposResolver.KallsymsEntry(Long.parseUnsignedLong(f[0], 16), f[1].charAt(0), f[2]));
                }
            }
        }
        cache.put(key, List.copyOf(entries));
        return cache.get(key);
    }

    /** The .ko of module {@code name} (kbuild's name, '-' read as '_') in the flavour's image. */
    static Optional<Path> moduleFile(KernelPackages.Flavour flavour, String name) throws IOException {
        Path dir = flavour.imageRoot().resolve("lib/modules/" + flavour.release());
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().replace('-', '_').equals(name + ".ko")).findFirst();
        }
    }

    /** Locally and globally defined names of an object file. */
    public static Definitions definitions(Path object, BuildSandbox.Jail jail) throws IOException {
        Set<String> locals = new LinkedHashSet<>();
        Set<String> globals = new LinkedHashSet<>();
        Set<String> all = new LinkedHashSet<>();
        for (String[] f : nm(object, jail)) {
            if (f.length != 3) {
                continue;
            }
            char t = f[1].charAt(0);
            if ("tdbr".indexOf(t) >= 0) {
                locals.add(f[2]);
            }
            if ("TDBR".indexOf(t) >= 0) {
                globals.add(f[2]);
            }
            if ("tdbrTDBR".indexOf(t) >= 0) {
                all.add(f[2]);
            }
        }
        return new Definitions(locals, globals, all, placements(object, jail));
    }

    /** Section and offset of each defined symbol ({@code objdump -t}: value, 7 flag columns, section, size, name). */
    private static Map<String, SymposResolver.Placement> placements(Path object, BuildSandbox.Jail jail) throws IOException {
        ProcessRunner.Outcome o = jail.run(List.of("objdump", "-t", object.toString()), null, Map.of(), Duration.ofMinutes(1));
        if (!o.ok()) {
            throw new IOException("objdump -t " + object + " failed: " + o.tail(1000));
        }
        Map<String, SymposResolver.Placement> out = new java.util.HashMap<>();
        for (String line : o.stdout().split("\n")) {
            if (line.length() < 26 || !line.matches("^[0-9a-f]{16} .*")) {
                continue;
            }
            String[] rest = line.substring(25).trim().split("\\s+");
            if (rest.length == 3 && !rest[0].equals("*UND*") && !rest[0].equals("*ABS*")) {
                out.putIfAbsent(rest[2], new SymposResolver.Placement(rest[0], Long.parseUnsignedLong(line.substring(0, 16), 16)));
            }
        }
        return out;
    }

    private static List<String[]> nm(Path file) throws IOException {
        return lines(ProcessRunner.run(List.of("nm", "-p", file.toString()), null, Map.of(), Duration.ofMinutes(1)), file);
    }

    /** nm of an object the patch's compile made: in the build's sandbox. */
    private static List<String[]> nm(Path file, BuildSandbox.Jail jail) throws IOException {
        return lines(jail.run(List.of("nm", "-p", file.toString()), null, Map.of(), Duration.ofMinutes(1)), file);
    }

    private static List<String[]> lines(ProcessRunner.Outcome o, Path file) throws IOException {
        if (!o.ok()) {
            throw new IOException("nm " + file + " failed: " + o.tail(1000));
        }
        return o.stdout().lines().map(l -> l.trim().split("\\s+")).toList();
    }
}
