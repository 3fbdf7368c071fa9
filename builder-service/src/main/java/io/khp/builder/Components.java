package io.khp.builder;

import java.nio.file.Path;
import java.util.List;

import io.khp.builder.adapters.ArtifactSigner;
import io.khp.builder.adapters.BuildSandbox;
import io.khp.builder.adapters.Kbuild;
import io.khp.builder.adapters.KernelPackages;
import io.khp.builder.adapters.KernelTreeCache;
import io.khp.builder.adapters.KhpHome;
import io.khp.builder.adapters.ObjectDiffTool;
import io.khp.builder.adapters.TargetSymbols;
import io.khp.bus.SigningKeys;

/** The builder's parts wired from the environment (KHP_HOME, KHP_CACHE, KHP_KEYS, KHP_BUILDER_JOBS,
 * KHP_BUILDER_COMPILE_TIMEOUT). */
public record Components(LivepatchBuilder builder, ArtifactSigner signer, BuildCache cache) {

    public static Components fromEnvironment() {
        return with(SigningKeys.defaultDirectory(), KhpHome.cache().resolve("builds"));
    }

    /** The environment's kernel tree and object caches, with the given signing keys and build cache. */
    public static Components with(Path keyDirectory, Path buildCache) {
        Path home = KhpHome.root();
        Path cache = KhpHome.cache();
        int jobs = Integer.parseInt(System.getenv().getOrDefault("KHP_BUILDER_JOBS", "2"));
        LivepatchBuilder builder = new LivepatchBuilder(new KernelPackages(home), new KernelTreeCache(home),
                new TargetSymbols(home), new ObjectDiffTool(home), new Kbuild(jobs, home.resolve("kmodule/include"),
                        Kbuild.deadlineFrom(System.getenv("KHP_BUILDER_COMPILE_TIMEOUT"))), cache.resolve("work"),
                cache.resolve("objects"), BuildSandbox.fromEnvironment(cache.resolve("sandbox"), List.of(keyDirectory)));
        return new Components(builder, new ArtifactSigner(keyDirectory), new BuildCache(buildCache));
    }
}
