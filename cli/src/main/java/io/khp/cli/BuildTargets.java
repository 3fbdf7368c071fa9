package io.khp.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;

import io.khp.events.KernelIdentity;

/** What `khp build` derives when not told: the patch name from the file's name, the kernels from the fleet. */
final class BuildTargets {

    static final String NAME_PATTERN = "[A-Za-z0-9_-]{1,48}";

    private BuildTargets() {
    }

    /**
     * The file's base name without `.patch` or `.diff`, every run of characters a patch name cannot
     * hold made one '-', cut to 48 characters.
     */
    static String nameOf(Path patchFile) {
        Path base = patchFile.getFileName();
        String name = base == null ? "" : base.toString();
        String lower = name.toLowerCase(Locale.ROOT);
        for (String suffix : List.of(".patch", ".diff")) {
            if (lower.endsWith(suffix)) {
                name = name.substring(0, name.length() - suffix.length());
                break;
            }
        }
        name = name.replaceAll("[^A-Za-z0-9_-]+", "-").replaceAll("^-+|-+$", "");
        if (name.length() > 48) {
            name = name.substring(0, 48).replaceAll("-+$", "");
        }
        if (!name.matches(NAME_PATTERN)) {
            throw new IllegalArgumentException("cannot make a patch name of the file name '" + patchFile.getFileName()
                    + "': give --name (1-48 letters, digits, '-' or '_')");
        }
        return name;
    }

    /**
     * Every distinct kernel the hosts (the ledger's /hosts answer) run: release, flavour and build id,
     * sorted by release then build id. Hosts that have not reported a kernel are left out.
     */
    static List<KernelIdentity> fleetKernels(List<JsonNode> hosts) {
        Map<String, KernelIdentity> distinct = new LinkedHashMap<>();
        for (JsonNode host : hosts) {
            JsonNode k = host.path("kernel");
            String release = text(k.path("release"));
            String flavour = text(k.path("flavour"));
            if (release == null || flavour == null) {
                continue;
            }
            String buildId = text(k.path("buildIdentity"));
            distinct.putIfAbsent(release + "\0" + flavour + "\0" + buildId, KernelIdentity.newBuilder().setRelease(release)
                    .setFlavour(flavour).setBuildIdentity(buildId).build());
        }
        List<KernelIdentity> kernels = new ArrayList<>(distinct.values());
        kernels.sort(Comparator.comparing(KernelIdentity::getRelease)
                .thenComparing(k -> k.getBuildIdentity() == null ? "" : k.getBuildIdentity()));
        return kernels;
    }

    /**
     * The kernels to build for: those named (`--kernel`, repeatable), else every kernel the fleet
     * reports, else the configured default kernel; none of these is an error.
     */
    static List<KernelIdentity> choose(List<String> named, Supplier<List<JsonNode>> fleet, Optional<String> configured) {
        if (!named.isEmpty()) {
            return named.stream().distinct().map(k -> KernelTarget.parse(k).identity()).toList();
        }
        List<KernelIdentity> reported = fleetKernels(fleet.get());
        if (!reported.isEmpty()) {
            return reported;
        }
        if (configured.isPresent()) {
            return List.of(KernelTarget.parse(configured.get()).identity());
        }
        throw new IllegalArgumentException("no kernel to build for: the ledger knows no host, and no --kernel was given "
                + "nor a default ('kernel' in the config file or $KHP_KERNEL)");
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() || node.asText().isBlank() ? null : node.asText();
    }
}
