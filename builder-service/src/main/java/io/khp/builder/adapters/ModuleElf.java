package io.khp.builder.adapters;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.khp.builder.core.ModuleLoadCheck;

/** The symbols of a built module and which sections use them, read with binutils' readelf. */
public final class ModuleElf {

    private static final String SHN_LIVEPATCH = "[0xff20]";

    private ModuleElf() {
    }

    /** Reads {@code ko} with readelf in the build's sandbox: the module holds code the patch compiled. */
    public static ModuleLoadCheck.ModuleSymbols symbols(Path ko, BuildSandbox.Jail jail) throws IOException {
        Set<String> undefined = new LinkedHashSet<>();
        Set<String> livepatch = new LinkedHashSet<>();
        for (String line : readelf("-sW", ko, jail).lines().toList()) {
            // Num: Value Size Type Bind Vis Ndx Name; Ndx of a livepatch symbol reads "OS [0xff20]"
            String[] f = line.trim().split("\\s+");
            if (f.length < 8 || !f[0].endsWith(":")) {
                continue;
            }
            if (f[6].equals("UND") && f.length == 8 && !f[4].equals("WEAK")) {
                undefined.add(f[7]);
            } else if (f[6].equals("OS") && f.length == 9 && f[7].equals(SHN_LIVEPATCH)) {
                livepatch.add(f[8]);
            }
        }
        Map<String, Set<String>> users = new HashMap<>();
        String section = null;
        for (String line : readelf("-rW", ko, jail).lines().toList()) {
            if (line.startsWith("Relocation section '")) {
                section = relocatedSection(line.substring(20, line.indexOf('\'', 20)));
                continue;
            }
            String[] f = line.trim().split("\\s+");
            if (section != null && f.length >= 5 && f[2].startsWith("R_")) {
                users.computeIfAbsent(f[4], k -> new TreeSet<>()).add(section);
            }
        }
        return new ModuleLoadCheck.ModuleSymbols(undefined, livepatch, users);
    }

    /** ".rela.text.x" and ".klp.rela.vmlinux..text.x" apply to ".text.x". */
    static String relocatedSection(String relaSection) {
        if (relaSection.startsWith(".klp.rela.")) {
            String rest = relaSection.substring(".klp.rela.".length());
            int dot = rest.indexOf('.');
            return dot < 0 ? relaSection : rest.substring(dot + 1);
        }
        return relaSection.startsWith(".rela") ? relaSection.substring(".rela".length()) : relaSection;
    }

    private static String readelf(String option, Path file, BuildSandbox.Jail jail) throws IOException {
        ProcessRunner.Outcome o = jail.run(List.of("readelf", option, file.toString()), null, Map.of(), Duration.ofMinutes(1));
        if (!o.ok()) {
            throw new IOException("readelf " + option + " " + file + " failed: " + o.tail(1000));
        }
        return o.stdout();
    }
}
