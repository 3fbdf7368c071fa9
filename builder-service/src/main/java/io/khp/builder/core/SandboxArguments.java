package io.khp.builder.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The bubblewrap command line that runs one build process with no network, a read-only system
 * and kernel tree, only the build's work directory writable and the signing key out of sight.
 * Only what is listed is mounted at all: the sandbox starts from an empty root.
 */
public final class SandboxArguments {

    /** The uid and gid the sandboxed process runs as when the builder is root (nobody). */
    public static final int SANDBOX_UID = 65534;

    /** A top-level system entry: a directory bound read-only, or a symlink recreated (merged /usr: /bin → usr/bin). */
    public record SystemEntry(Path path, String symlinkTarget) {
    }

    /**
     * What the process may see.
     *
     * @param system   top-level system entries (/usr, /bin, /lib64, …) and single files of /etc, read-only
     * @param readOnly build inputs (the prepared kernel tree, the target's headers, the patch API headers, tools)
     * @param writable the build's own work directory
     * @param hidden   paths that must stay invisible (the signing key's directory); a hidden path under a
     *                 mounted one is covered by an empty tmpfs
     * @param files    files made for the sandbox, bound read-only at another path (passwd, group)
     */
    public record View(List<SystemEntry> system, List<Path> readOnly, List<Path> writable, List<Path> hidden,
            Map<Path, Path> files) {
    }

    /**
     * @param asRoot the builder runs as root: bubblewrap sets up the namespaces itself and the process
     *               drops to {@link #SANDBOX_UID} with no capabilities, so it cannot write the prepared
     *               tree's files (owned by root) even through the scratch tree's hard links; otherwise a
     *               user namespace holds the caller's own uid
     */
    public static List<String> command(String bwrap, View view, boolean asRoot, Path directory, Map<String, String> environment,
            List<String> command) {
        for (Path p : allMounted(view)) {
            requireAbsolute(p);
        }
        for (Path hidden : view.hidden()) {
            requireAbsolute(hidden);
            for (Path w : view.writable()) {
                if (hidden.normalize().startsWith(w.normalize())) {
                    throw new IllegalArgumentException(hidden + " must stay hidden but is inside the writable " + w);
                }
            }
            for (Path m : allMounted(view)) {
                if (m.normalize().startsWith(hidden.normalize())) {
                    throw new IllegalArgumentException(hidden + " must stay hidden but " + m + " inside it is mounted");
                }
            }
        }
        List<String> args = new ArrayList<>(List.of(bwrap));
        if (asRoot) {
            args.addAll(List.of("--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup"));
        } else {
            args.addAll(List.of("--unshare-all", "--cap-drop", "ALL"));
        }
        args.addAll(List.of("--die-with-parent", "--new-session", "--clearenv"));
        for (SystemEntry e : view.system()) {
            if (e.symlinkTarget() != null) {
                args.addAll(List.of("--symlink", e.symlinkTarget(), e.path().toString()));
            }
        }
        // before the binds, so a work directory under /tmp is mounted on the fresh /tmp, not hidden by it
        args.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"));
        // parents of mount points are made 0755: bwrap would copy the host's mode (/root is 0700)
        Set<Path> parents = new TreeSet<>(Comparator.comparingInt(Path::getNameCount).thenComparing(Comparator.naturalOrder()));
        List<Path> mounted = allMounted(view);
        for (Path p : mounted) {
            for (Path parent = p.normalize().getParent(); parent != null && parent.getNameCount() > 0; parent = parent.getParent()) {
                if (!coveredBy(parent, mounted)) {
                    parents.add(parent);
                }
            }
        }
        for (Path parent : parents) {
            args.addAll(List.of("--perms", "0755", "--dir", parent.toString()));
        }
        // shorter paths first, so a mount inside another one lands on top of it
        Map<Path, String> binds = new LinkedHashMap<>();
        view.system().stream().filter(e -> e.symlinkTarget() == null).forEach(e -> binds.put(e.path().normalize(), "--ro-bind"));
        view.readOnly().forEach(p -> binds.put(p.normalize(), "--ro-bind"));
        view.writable().forEach(p -> binds.put(p.normalize(), "--bind"));
        binds.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.comparingInt(Path::getNameCount)))
                .forEach(b -> args.addAll(List.of(b.getValue(), b.getKey().toString(), b.getKey().toString())));
        view.files().forEach((at, source) -> args.addAll(List.of("--ro-bind", source.toString(), at.toString())));
        for (Path hidden : view.hidden()) {
            if (mounted.stream().anyMatch(m -> hidden.normalize().startsWith(m.normalize()))) {
                args.addAll(List.of("--tmpfs", hidden.normalize().toString()));
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/bin:/bin:/usr/sbin:/sbin");
        env.put("HOME", "/tmp");
        env.put("TMPDIR", "/tmp");
        env.put("LC_ALL", "C.UTF-8");
        env.putAll(environment);
        env.forEach((k, v) -> args.addAll(List.of("--setenv", k, v)));
        if (directory != null) {
            args.addAll(List.of("--chdir", directory.toString()));
        }
        args.add("--");
        if (asRoot) {
            args.addAll(List.of("setpriv", "--reuid=" + SANDBOX_UID, "--regid=" + SANDBOX_UID, "--clear-groups",
                    "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"));
        }
        args.addAll(command);
        return args;
    }

    private static List<Path> allMounted(View view) {
        List<Path> all = new ArrayList<>();
        view.system().forEach(e -> all.add(e.path()));
        all.addAll(view.readOnly());
        all.addAll(view.writable());
        all.addAll(view.files().keySet());
        return all;
    }

    private static boolean coveredBy(Path dir, List<Path> mounted) {
        return mounted.stream().anyMatch(m -> dir.startsWith(m.normalize()));
    }

    private static void requireAbsolute(Path p) {
        if (!p.isAbsolute()) {
            throw new IllegalArgumentException("sandbox paths must be absolute: " + p);
        }
    }

    private SandboxArguments() {
    }
}
