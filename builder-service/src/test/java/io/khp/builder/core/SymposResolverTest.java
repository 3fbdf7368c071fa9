package io.khp.builder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class SymposResolverTest {

    static final String KALLSYMS = """
            ffffffff81000100 t show
            ffffffff81000200 T other_file_func
            ffffffff81100000 t cmdline_before
            ffffffff81100040 t show
            ffffffff81100080 T cmdline_after
            ffffffff81900000 t show
            ffffffff82000000 d count
            ffffffff82000100 d my_data
            ffffffff82800000 d count
            ffffffffc0001000 t show\t[ext4]
            ffffffffc0002000 t show\t[ext4]
            ffffffffc0003000 T ext4_anchor\t[ext4]
            """;

    @Test
    void picksTheCandidateNearestTheFilesUniqueSymbols() {
        var vmlinux = SymposResolver.parseKallsyms(KALLSYMS, "vmlinux");
        assertEquals(9, vmlinux.size());
        var r = SymposResolver.resolve(vmlinux, Set.of("show", "cmdline_before", "count", "unique_local"),
                Set.of("show", "cmdline_before", "cmdline_after", "count", "my_data", "unique_local"));
        assertEquals(Map.of("show", 2, "count", 1), r.positions());
        assertTrue(r.unresolved().isEmpty());
        assertEquals("count 1\nshow 2\n", SymposResolver.symposFile(r.positions()));
    }

    @Test
    void modulesCountOnlyTheirOwnSymbols() {
        var ext4 = SymposResolver.parseKallsyms(KALLSYMS, "ext4");
        assertEquals(3, ext4.size());
        var r = SymposResolver.resolve(ext4, Set.of("show"), Set.of("show", "ext4_anchor"));
        assertEquals(Map.of("show", 2), r.positions());
    }

    @Test
    void withoutAnchorsOrOnATieItRefusesToGuess() {
        var vmlinux = SymposResolver.parseKallsyms(KALLSYMS, "vmlinux");
        var none = SymposResolver.resolve(vmlinux, Set.of("show"), Set.of("show"));
        assertTrue(none.positions().isEmpty());
        assertTrue(none.unresolved().get("show").contains("3 symbols named show"));
        var tie = SymposResolver.resolve(List.of(
                new SymposResolver.KallsymsEntry(0x100, 't', "f"),
                new SymposResolver.KallsymsEntry(0x200, 't', "anchor"),
                new SymposResolver.KallsymsEntry(0x300, 't', "f")), Set.of("f"), Set.of("f", "anchor"));
        assertTrue(tie.unresolved().containsKey("f"));
    }

    /**
     * WARN_ON_ONCE flags of every file sit together in .data.once, far from each file's other data:
     * distance cannot tell them apart, the object's layout can.
     */
    @Test
    void aStaticSharingItsSectionWithAnchorsIsPlacedExactly() {
        var kallsyms = List.of(
                new SymposResolver.KallsymsEntry(0x1000, 'd', "__already_done.7"),   // another file's
                new SymposResolver.KallsymsEntry(0x1001, 'd', "__already_done.9"),   // ours, unique
                new SymposResolver.KallsymsEntry(0x1002, 'd', "__already_done.7"),   // ours
                new SymposResolver.KallsymsEntry(0x1003, 'd', "__already_done.7"),   // a third file's
                new SymposResolver.KallsymsEntry(0x9000, 'd', "file_data"));
        Map<String, SymposResolver.Placement> layout = Map.of(
                "__already_done.9", new SymposResolver.Placement(".data.once", 4),
                "__already_done.7", new SymposResolver.Placement(".data.once", 5),
                "file_data", new SymposResolver.Placement(".data.file_data", 0));
        Set<String> defined = Set.of("__already_done.9", "__already_done.7", "file_data");
        var r = SymposResolver.resolve(kallsyms, Set.of("__already_done.7", "__already_done.9"), defined, layout);
        assertEquals(Map.of("__already_done.7", 2), r.positions());
        assertTrue(r.unresolved().isEmpty());

        // without the layout the two nearest are a tie: refused, not guessed
        var byDistance = SymposResolver.resolve(kallsyms, Set.of("__already_done.7"), Set.of("__already_done.9", "__already_done.7"));
        assertTrue(byDistance.unresolved().containsKey("__already_done.7"));

        // a layout that fits no candidate falls back to distance (and its refusal)
        var misfit = SymposResolver.resolve(kallsyms, Set.of("__already_done.7"), defined, Map.of(
                "__already_done.9", new SymposResolver.Placement(".data.once", 4),
                "__already_done.7", new SymposResolver.Placement(".data.once", 40)));
        assertTrue(misfit.unresolved().containsKey("__already_done.7"));
    }

    /**
     * As net/core/dev.c's __msg.9 in Debian 6.1: two candidates are equally near the file's anchors by
     * address, but only one lies in the file's own run; between the other and the file's last
     * symbol comes the next file's symbol.
     */
    @Test
    void theCandidateInsideTheFilesOwnRunWinsOverAnEquallyNearOne() {
        var kallsyms = List.of(
                new SymposResolver.KallsymsEntry(0x8f00, 'd', "__msg.8"),
                new SymposResolver.KallsymsEntry(0x8f40, 'd', "__msg.9"),          // ours
                new SymposResolver.KallsymsEntry(0x91c0, 'd', "null_features.28"), // ours, unique
                new SymposResolver.KallsymsEntry(0x95a0, 'd', "bpf_xdp_link_lops"),// ours, unique
                new SymposResolver.KallsymsEntry(0x9660, 'D', "dst_default_metrics"), // the next file's
                new SymposResolver.KallsymsEntry(0x97e0, 'd', "__msg.8"),
                new SymposResolver.KallsymsEntry(0x9820, 'd', "__msg.9"),          // the next file's
                new SymposResolver.KallsymsEntry(0x9900, 'd', "dst_other"));       // the next file's
        Set<String> ours = Set.of("__msg.8", "__msg.9", "null_features.28", "bpf_xdp_link_lops");
        var r = SymposResolver.resolve(kallsyms, Set.of("__msg.9", "__msg.8", "null_features.28"), ours);
        assertEquals(Map.of("__msg.9", 1, "__msg.8", 1), r.positions());
        assertTrue(r.unresolved().isEmpty());
    }
}
