package io.khp.builder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

import io.khp.bus.ArtifactSignature;
import io.khp.events.ArtifactRef;
import io.khp.events.PatchBuilt;

/**
 * Built modules on disk, so a duplicate request (same diff, target, module name, replace flag and
 * description: everything that shapes the module's bytes) is answered without building again.
 * Each entry is a directory {@code <key>/} with {@code module.ko} and {@code built.avro} (the
 * build's outcome as an unsigned PatchBuilt); entries are written to a temporary directory and
 * renamed into place, so a reader never sees half an entry.
 */
public final class BuildCache {

    private final Path root;

    public BuildCache(Path root) {
        this.root = root;
    }

    public static String key(LivepatchBuilder.Request request, String moduleName) {
        return ArtifactSignature.sha256Hex(String.join("\u001f", "v2",
                ArtifactSignature.sha256Hex(request.diff().getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                request.release(), request.flavour(), moduleName, Boolean.toString(request.atomicReplace()),
                request.description() == null ? "" : request.description()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public Optional<LivepatchBuilder.Built> get(String key) {
        Path dir = root.resolve(key);
        try {
            if (!Files.isRegularFile(dir.resolve("built.avro")) || !Files.isRegularFile(dir.resolve("module.ko"))) {
                return Optional.empty();
            }
            byte[] module = Files.readAllBytes(dir.resolve("module.ko"));
            PatchBuilt b = new SpecificDatumReader<>(PatchBuilt.class)
                    .read(null, DecoderFactory.get().binaryDecoder(Files.readAllBytes(dir.resolve("built.avro")), null));
            return Optional.of(new LivepatchBuilder.Built(b.getModuleName(), module, b.getFunctions(), b.getNewFunctions(),
                    b.getTarget(), b.getToolchain(), b.getDiffSha256(), b.getAppliedHunks()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // an unreadable entry is rebuilt
        }
    }

    public void put(String key, LivepatchBuilder.Built built) throws IOException {
        Files.createDirectories(root);
        Path tmp = Files.createTempDirectory(root, "tmp-");
        PatchBuilt record = PatchBuilt.newBuilder()
                .setName(built.moduleName())
                .setTarget(built.target())
                .setModuleName(built.moduleName())
                .setAtomicReplace(false)
                .setArtifact(ArtifactRef.newBuilder().setSha256(ArtifactSignature.sha256Hex(built.module()))
                        .setSizeBytes(built.module().length).setManifestSha256("").setSignature(ByteBuffer.allocate(0)).setKeyId("").build())
                .setToolchain(built.toolchain())
                .setDiffSha256(built.diffSha256())
                .setFunctions(built.functions())
                .setNewFunctions(built.newFunctions())
                .setAppliedHunks(built.appliedHunks())
                .build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        new SpecificDatumWriter<>(PatchBuilt.class).write(record, encoder);
        encoder.flush();
        Files.write(tmp.resolve("module.ko"), built.module());
        Files.write(tmp.resolve("built.avro"), out.toByteArray());
        try {
            Files.move(tmp, root.resolve(key), StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
            // another worker cached the same build first
            try (var files = Files.list(tmp)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(tmp);
        }
    }
}
