package io.khp.ledger.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.khp.events.BuildStage;
import io.khp.events.KernelIdentity;
import io.khp.events.KhpEvent;
import io.khp.ledger.TestEvents;
import io.khp.state.BuildStatus;
import io.khp.state.HostKernel;
import io.khp.state.KernelBuild;
import io.khp.state.PatchState;

class KernelBuildsTest {

    private static final String AMD64 = "6.1.0-9-amd64";
    private static final String CLOUD = "6.1.0-9-cloud-amd64";
    private static final String RT = "6.1.0-9-rt-amd64";

    private final TestEvents e = new TestEvents();

    private static KernelIdentity kernel(String release, String flavour, String buildId) {
        return KernelIdentity.newBuilder().setRelease(release).setFlavour(flavour).setBuildIdentity(buildId).build();
    }

    private static HostKernel host(String release, String flavour, String buildId) {
        return HostKernel.newBuilder().setRelease(release).setFlavour(flavour).setBuildIdentity(buildId).build();
    }

    private static PatchState fold(List<KhpEvent> events) {
        PatchState state = null;
        for (KhpEvent event : events) {
            state = PatchLedger.build(state, event);
        }
        return state;
    }

    @Test
    void onePatchHoldsOneBuildPerKernelAndItsSummaryFollowsThem() {
        KhpEvent amd64 = e.buildRequested("p1", kernel(AMD64, "amd64", "bid-a"));
        KhpEvent cloud = e.buildRequested("p1", kernel(CLOUD, "cloud-amd64", "bid-c"));
        PatchState requested = fold(List.of(amd64, cloud));
        assertEquals(BuildStatus.REQUESTED, requested.getBuildStatus());
        assertEquals(List.of(AMD64, CLOUD), requested.getBuilds().stream().map(b -> b.getTarget().getRelease()).toList());

        PatchState amd64Built = fold(List.of(amd64, cloud, e.answering(cloud, io.khp.events.BuildProgress.newBuilder()
                .setStage(BuildStage.COMPILE).setFinished(false).setElapsedMs(1).build()), e.patchBuiltFor(amd64)));
        assertEquals(BuildStatus.BUILDING, amd64Built.getBuildStatus(), "the cloud build is still under way");
        assertEquals(BuildStatus.BUILT, amd64Built.getBuilds().get(0).getStatus());
        assertEquals(BuildStatus.BUILDING, amd64Built.getBuilds().get(1).getStatus());
        assertEquals("COMPILE", amd64Built.getBuilds().get(1).getStage());
        assertEquals("sha-p1-" + AMD64, amd64Built.getManifest().getArtifactSha256());

        PatchState done = fold(List.of(amd64, cloud, e.patchBuiltFor(amd64), e.buildFailedFor(cloud, "DATA_CHANGED")));
        assertEquals(BuildStatus.BUILT, done.getBuildStatus(), "built for one kernel at least");
        KernelBuild failed = done.getBuilds().get(1);
        assertEquals(BuildStatus.FAILED, failed.getStatus());
        assertTrue(failed.getFailure().startsWith("DATA_CHANGED: "), failed.getFailure());
        assertNull(failed.getManifest());
        KernelBuild built = done.getBuilds().get(0);
        assertEquals("bid-a", built.getTarget().getBuildIdentity(), "the build id the request named is kept");
        assertEquals("6.1.1-1", built.getTarget().getSourceVersion(), "the source version the builder used is added");

        PatchState allFailed = fold(List.of(amd64, cloud, e.buildFailedFor(amd64, "X"), e.buildFailedFor(cloud, "Y")));
        assertEquals(BuildStatus.FAILED, allFailed.getBuildStatus());
        assertNull(allFailed.getManifest());
    }

    @Test
    void aNewRequestForAKernelReplacesItsBuildOnly() {
        KhpEvent amd64 = e.buildRequested("p1", kernel(AMD64, "amd64", null));
        KhpEvent cloud = e.buildRequested("p1", kernel(CLOUD, "cloud-amd64", null));
        KhpEvent again = e.buildRequested("p1", kernel(AMD64, "amd64", null));
        PatchState state = fold(List.of(amd64, cloud, e.buildFailedFor(amd64, "X"), e.patchBuiltFor(cloud), again));
        assertEquals(2, state.getBuilds().size());
        assertEquals(BuildStatus.BUILT, state.getBuilds().get(0).getStatus(), "the cloud build stays");
        assertEquals(BuildStatus.REQUESTED, state.getBuilds().get(1).getStatus());
        assertEquals(BuildStatus.BUILDING, state.getBuildStatus());
    }

    @Test
    void aPatchBuiltWithoutItsRequestStillMakesABuild() {
        PatchState state = fold(List.of(e.patchBuilt("p1", false)));
        assertEquals(BuildStatus.BUILT, state.getBuildStatus());
        assertEquals(1, state.getBuilds().size());
        assertEquals(TestEvents.RELEASE, state.getBuilds().get(0).getTarget().getRelease());
    }

    @Test
    void eachHostGetsTheArtifactOfItsKernelOrAReason() {
        KhpEvent amd64 = e.buildRequested("p1", kernel(AMD64, "amd64", "bid-a"));
        KhpEvent cloud = e.buildRequested("p1", kernel(CLOUD, "cloud-amd64", null));
        KhpEvent rt = e.buildRequested("p1", kernel(RT, "rt-amd64", null));
        List<KernelBuild> builds = fold(List.of(amd64, cloud, rt, e.patchBuiltFor(amd64), e.buildFailedFor(cloud, "DATA_CHANGED")))
                .getBuilds();

        var forAmd64 = assertInstanceOf(KernelBuilds.Choice.Artifact.class, KernelBuilds.forHost(builds, host(AMD64, "amd64", "bid-a")));
        assertEquals("sha-p1-" + AMD64, forAmd64.build().getManifest().getArtifactSha256());
        assertInstanceOf(KernelBuilds.Choice.Artifact.class, KernelBuilds.forHost(builds, host(AMD64, "amd64", null)),
                "a host that reports no build id fits on release and flavour");

        var rebuilt = assertInstanceOf(KernelBuilds.Choice.Skip.class, KernelBuilds.forHost(builds, host(AMD64, "amd64", "bid-other")));
        assertTrue(rebuilt.reason().contains("no build of this patch for kernel " + AMD64), rebuilt.reason());
        var cloudSkip = assertInstanceOf(KernelBuilds.Choice.Skip.class, KernelBuilds.forHost(builds, host(CLOUD, "cloud-amd64", "bid-c")));
        assertTrue(cloudSkip.reason().contains("failed: DATA_CHANGED"), cloudSkip.reason());
        var rtSkip = assertInstanceOf(KernelBuilds.Choice.Skip.class, KernelBuilds.forHost(builds, host(RT, "rt-amd64", null)));
        assertTrue(rtSkip.reason().contains("not finished"), rtSkip.reason());
        var other = assertInstanceOf(KernelBuilds.Choice.Skip.class, KernelBuilds.forHost(builds, host("6.1.0-10-amd64", "amd64", null)));
        assertTrue(other.reason().startsWith("no build of this patch for kernel 6.1.0-10-amd64"), other.reason());
        assertInstanceOf(KernelBuilds.Choice.Skip.class, KernelBuilds.forHost(builds, null));
    }

    @Test
    void aBuildWithTheHostsOwnBuildIdIsPreferred() {
        KhpEvent loose = e.buildRequested("p1", kernel(AMD64, "amd64", null));
        KhpEvent exact = e.buildRequested("p1", kernel(AMD64, "amd64", "bid-a"));
        List<KernelBuild> builds = fold(List.of(loose, exact, e.patchBuiltFor(loose), e.patchBuiltFor(exact))).getBuilds();
        var choice = assertInstanceOf(KernelBuilds.Choice.Artifact.class, KernelBuilds.forHost(builds, host(AMD64, "amd64", "bid-a")));
        assertEquals("bid-a", choice.build().getTarget().getBuildIdentity());
    }

    @Test
    void withAnyKernelAHostWithoutArtifactGetsTheFirstBuiltOne() {
        KhpEvent amd64 = e.buildRequested("p1", kernel(AMD64, "amd64", null));
        List<KernelBuild> builds = fold(List.of(amd64, e.patchBuiltFor(amd64))).getBuilds();
        HostKernel cloudHost = host(CLOUD, "cloud-amd64", "bid-c");
        assertInstanceOf(KernelBuilds.Choice.Skip.class, KernelBuilds.forHost(builds, cloudHost, false));
        var given = assertInstanceOf(KernelBuilds.Choice.Artifact.class, KernelBuilds.forHost(builds, cloudHost, true));
        assertEquals(AMD64, given.build().getTarget().getRelease());

        List<KernelBuild> failed = fold(List.of(amd64, e.buildFailedFor(amd64, "X"))).getBuilds();
        assertInstanceOf(KernelBuilds.Choice.Skip.class, KernelBuilds.forHost(failed, cloudHost, true), "nothing built: nothing to give");
    }
}
