package io.khp.ledger.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

import io.khp.events.KernelIdentity;
import io.khp.state.BuildStatus;
import io.khp.state.HostKernel;
import io.khp.state.KernelBuild;
import io.khp.state.ManifestSummary;

/**
 * A patch's builds, one per kernel (pure): folding the build events of each kernel into its entry,
 * and choosing the artifact a host gets. A host fits a build when release and flavour are equal,
 * and the build ids too when both are known; among fitting builds, one with the host's own build id
 * is preferred.
 */
public final class KernelBuilds {

    /** What a rollout gives one host. */
    public sealed interface Choice {
        /** The build of the host's kernel. */
        record Artifact(KernelBuild build) implements Choice {
        }

        /** Nothing: why. */
        record Skip(String reason) implements Choice {
        }
    }

    private KernelBuilds() {
    }

    public static HostKernel kernelOf(KernelIdentity identity) {
        return HostKernel.newBuilder().setRelease(identity.getRelease()).setFlavour(identity.getFlavour())
                .setSourceVersion(identity.getSourceVersion()).setBuildIdentity(identity.getBuildIdentity()).build();
    }

    /** A new build for {@code target}, replacing an earlier build of the same kernel. */
    public static List<KernelBuild> requested(List<KernelBuild> builds, HostKernel target, String requestId) {
        List<KernelBuild> next = new ArrayList<>();
        for (KernelBuild b : builds) {
            if (!sameKernel(b.getTarget(), target)) {
                next.add(b);
            }
        }
        next.add(KernelBuild.newBuilder().setTarget(target).setRequestId(requestId).setStatus(BuildStatus.REQUESTED).build());
        return next;
    }

    /** The index of the build the answer to {@code requestId} belongs to, -1 when none. */
    public static int answered(List<KernelBuild> builds, String requestId) {
        if (requestId == null) {
            return -1;
        }
        for (int i = 0; i < builds.size(); i++) {
            if (requestId.equals(builds.get(i).getRequestId())) {
                return i;
            }
        }
        return -1;
    }

    public static List<KernelBuild> progressed(List<KernelBuild> builds, int index, String stage) {
        return change(builds, index, b -> {
            if (b.getStatus() != BuildStatus.BUILT && b.getStatus() != BuildStatus.FAILED) {
                b.setStatus(BuildStatus.BUILDING);
            }
            b.setStage(stage);
            return b;
        });
    }

    /**
     * The built artifact of a kernel. An answer to no known request (a PatchBuilt of an earlier
     * version, without its BuildRequested) goes to the build of the same release and flavour, or a new one.
     */
    public static List<KernelBuild> built(List<KernelBuild> builds, int index, KernelIdentity builtFor, ManifestSummary manifest) {
        if (index < 0) {
            HostKernel target = kernelOf(builtFor);
            for (int i = 0; i < builds.size(); i++) {
                HostKernel t = builds.get(i).getTarget();
                if (t.getRelease().equals(target.getRelease()) && t.getFlavour().equals(target.getFlavour())) {
                    index = i;
                    break;
                }
            }
            if (index < 0) {
                builds = requested(builds, target, null);
                index = builds.size() - 1;
            }
        }
        return change(builds, index, b -> {
            HostKernel t = b.getTarget();
            // the request names the hosts' build id, the builder the source version: keep both
            b.setTarget(HostKernel.newBuilder(t)
                    .setSourceVersion(builtFor.getSourceVersion() != null ? builtFor.getSourceVersion() : t.getSourceVersion())
                    .setBuildIdentity(t.getBuildIdentity() != null ? t.getBuildIdentity() : builtFor.getBuildIdentity())
                    .build());
            b.setStatus(BuildStatus.BUILT);
            b.setFailure(null);
            b.setManifest(manifest);
            return b;
        });
    }

    public static List<KernelBuild> failed(List<KernelBuild> builds, int index, String stage, String failure) {
        return change(builds, index, b -> {
            b.setStatus(BuildStatus.FAILED);
            b.setStage(stage);
            b.setFailure(failure);
            b.setManifest(null);
            return b;
        });
    }

    /** BUILDING while a build is under way (REQUESTED while none started), then BUILT when any was built, else FAILED. */
    public static BuildStatus overall(List<KernelBuild> builds) {
        boolean underWay = false;
        boolean started = false;
        boolean built = false;
        boolean failed = false;
        for (KernelBuild b : builds) {
            switch (b.getStatus()) {
                case REQUESTED -> underWay = true;
                case BUILDING -> {
                    underWay = true;
                    started = true;
                }
                case BUILT -> built = true;
                case FAILED -> failed = true;
                default -> {
                }
            }
        }
        if (underWay) {
            return started || built || failed ? BuildStatus.BUILDING : BuildStatus.REQUESTED;
        }
        return built ? BuildStatus.BUILT : failed ? BuildStatus.FAILED : BuildStatus.UNKNOWN;
    }

    /** The manifest of the first kernel built, null when none was. */
    public static ManifestSummary firstManifest(List<KernelBuild> builds) {
        return builds.stream().filter(b -> b.getStatus() == BuildStatus.BUILT).map(KernelBuild::getManifest)
                .filter(Objects::nonNull).findFirst().orElse(null);
    }

    public static boolean anyBuilt(List<KernelBuild> builds) {
        return firstManifest(builds) != null;
    }

    /** The artifact for a host running {@code kernel}, or why it gets none. */
    public static Choice forHost(List<KernelBuild> builds, HostKernel kernel) {
        if (kernel == null) {
            return new Choice.Skip("the host has not reported its kernel");
        }
        KernelBuild exact = null;
        KernelBuild fitting = null;
        KernelBuild unfinished = null;
        KernelBuild failed = null;
        for (KernelBuild b : builds) {
            if (!fits(b.getTarget(), kernel)) {
                continue;
            }
            switch (b.getStatus()) {
                case BUILT -> {
                    if (b.getTarget().getBuildIdentity() != null && kernel.getBuildIdentity() != null) {
                        exact = exact == null ? b : exact;
                    } else {
                        fitting = fitting == null ? b : fitting;
                    }
                }
                case FAILED -> failed = failed == null ? b : failed;
                default -> unfinished = unfinished == null ? b : unfinished;
            }
        }
        if (exact != null) {
            return new Choice.Artifact(exact);
        }
        if (fitting != null) {
            return new Choice.Artifact(fitting);
        }
        if (unfinished != null) {
            return new Choice.Skip("the build for kernel " + describe(kernel) + " is not finished (" + unfinished.getStatus() + ")");
        }
        if (failed != null) {
            return new Choice.Skip("the build for kernel " + describe(kernel) + " failed: " + failed.getFailure());
        }
        return new Choice.Skip("no build of this patch for kernel " + describe(kernel));
    }

    /**
     * As {@link #forHost(List, HostKernel)}; with {@code anyKernel}, a host that would be skipped
     * gets the first built artifact (the run-pre check decides), when there is one.
     */
    public static Choice forHost(List<KernelBuild> builds, HostKernel kernel, boolean anyKernel) {
        Choice choice = forHost(builds, kernel);
        if (anyKernel && choice instanceof Choice.Skip) {
            for (KernelBuild b : builds) {
                if (b.getStatus() == BuildStatus.BUILT && b.getManifest() != null) {
                    return new Choice.Artifact(b);
                }
            }
        }
        return choice;
    }

    /** Release and flavour equal, and build ids equal when both are known. */
    public static boolean fits(HostKernel build, HostKernel host) {
        return build.getRelease().equals(host.getRelease()) && build.getFlavour().equals(host.getFlavour())
                && (build.getBuildIdentity() == null || host.getBuildIdentity() == null
                        || build.getBuildIdentity().equals(host.getBuildIdentity()));
    }

    public static String describe(HostKernel kernel) {
        return kernel.getRelease() + " (" + kernel.getFlavour()
                + (kernel.getBuildIdentity() == null ? "" : ", build id " + kernel.getBuildIdentity()) + ")";
    }

    private static boolean sameKernel(HostKernel a, HostKernel b) {
        return a.getRelease().equals(b.getRelease()) && a.getFlavour().equals(b.getFlavour())
                && Objects.equals(a.getBuildIdentity(), b.getBuildIdentity());
    }

    private static List<KernelBuild> change(List<KernelBuild> builds, int index, UnaryOperator<KernelBuild> edit) {
        List<KernelBuild> next = new ArrayList<>(builds);
        next.set(index, edit.apply(KernelBuild.newBuilder(builds.get(index)).build()));
        return next;
    }
}
