package io.khp.builder.core;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import io.khp.events.PatchedFunction;
import io.khp.events.RelocationSite;
import io.khp.events.RelocationType;
import io.khp.events.WildcardKind;
import io.khp.events.WildcardSite;

/** Maps object tool reports to the manifest a PatchBuilt carries: patched and new functions. */
public final class Manifest {

    private Manifest() {
    }

    public static List<PatchedFunction> functions(List<ObjectDiffReport> reports) {
        List<PatchedFunction> out = new ArrayList<>();
        for (ObjectDiffReport report : reports) {
            for (ObjectDiffReport.Changed c : report.changed()) {
                out.add(PatchedFunction.newBuilder()
                        .setObjectName(report.object())
                        .setSymbol(c.symbol())
                        .setSympos(c.sympos())
                        .setSourceFile(c.sourceFile())
                        .setPreBytes(ByteBuffer.wrap(c.preBytes() == null ? new byte[0] : c.preBytes()))
                        .setRelocations(c.relocations() == null ? List.of() : c.relocations().stream().map(Manifest::relocation).toList())
                        .setWildcards(c.wildcards() == null ? List.of() : c.wildcards().stream().map(Manifest::wildcard).toList())
                        .build());
            }
        }
        return out;
    }

    public static List<String> newFunctions(List<ObjectDiffReport> reports) {
        return reports.stream().flatMap(r -> r.added().stream().map(ObjectDiffReport.Added::symbol)).toList();
    }

    static RelocationSite relocation(ObjectDiffReport.Relocation r) {
        return RelocationSite.newBuilder()
                .setOffset(r.offset())
                .setType(enumOr(RelocationType.class, r.type(), RelocationType.UNKNOWN))
                .setSymbol(r.symbol())
                .setAddend(r.addend())
                .setLocal(r.local())
                .build();
    }

    static WildcardSite wildcard(ObjectDiffReport.Wildcard w) {
        return WildcardSite.newBuilder()
                .setOffset(w.offset())
                .setLength(w.length())
                .setKind(enumOr(WildcardKind.class, w.kind(), WildcardKind.UNKNOWN))
                .build();
    }

    private static <E extends Enum<E>> E enumOr(Class<E> type, String name, E fallback) {
        if (name == null) {
            return fallback;
        }
        try {
            return Enum.valueOf(type, name);
        } catch (IllegalArgumentException e) {
            return fallback;
        }
    }
}
