package io.khp.builder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ModuleLoadCheckTest {

    static final Map<String, List<String>> TARGET = Map.of(
            "vmlinux", List.of("saved_command_line", "m_show", "cmdline_proc_show", "m_show", "seq_puts"),
            "nvram", List.of("nvram_proc_read", "nvram_misc_read"));

    static ModuleLoadCheck.ModuleSymbols module(Set<String> undefined, Set<String> livepatch) {
        return new ModuleLoadCheck.ModuleSymbols(undefined, livepatch, Map.of(
                "khp_helper", Set.of(".text.khp_new_cmdline_proc_show"),
                ".klp.sym.vmlinux.khp_helper,0", Set.of(".text.khp_new_cmdline_proc_show"),
                "seq_puts", Set.of(".text.khp_new_cmdline_proc_show")));
    }

    @Test
    void aModuleWhoseSymbolsAllResolveLoads() {
        var m = module(Set.of("seq_puts", "__fentry__"), Set.of(".klp.sym.vmlinux.saved_command_line,0",
                ".klp.sym.vmlinux.m_show,2", ".klp.sym.nvram.nvram_proc_read,0"));
        assertEquals(List.of(), ModuleLoadCheck.check(m, Set.of("seq_puts", "__fentry__"), TARGET, Map.of()));
        assertEquals(Set.of("nvram", "vmlinux"), ModuleLoadCheck.objectsNeeded(m));
    }

    @Test
    void aKlpSymbolTheTargetDoesNotHaveIsRefusedNamingItsUser() {
        var problems = ModuleLoadCheck.check(module(Set.of(), Set.of(".klp.sym.vmlinux.khp_helper,0")), Set.of(), TARGET, Map.of());
        assertEquals(1, problems.size());
        assertEquals(ReasonCodes.UNRESOLVED_SYMBOL, problems.get(0).reasonCode());
        assertEquals("khp_helper", problems.get(0).symbol());
        assertTrue(problems.get(0).message().contains(".text.khp_new_cmdline_proc_show"), problems.get(0).message());
        assertTrue(problems.get(0).message().contains("vmlinux has no symbol khp_helper"), problems.get(0).message());
    }

    @Test
    void anUndefinedSymbolNobodyExportsIsRefused() {
        var problems = ModuleLoadCheck.check(module(Set.of("khp_helper", "seq_puts"), Set.of()), Set.of("seq_puts"), TARGET,
                Map.of());
        assertEquals(List.of("khp_helper"), problems.stream().map(ModuleLoadCheck.Problem::symbol).toList());
        assertTrue(problems.get(0).message().contains("neither exported"), problems.get(0).message());
    }

    @Test
    void positionsMustExistAndZeroMeansUnique() {
        var problems = ModuleLoadCheck.check(module(Set.of(), Set.of(".klp.sym.vmlinux.m_show,0", ".klp.sym.vmlinux.m_show,3",
                ".klp.sym.mymod.f,0", ".klp.sym.broken")), Set.of(), TARGET, Map.of());
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.message().contains("2 symbols named m_show and position 0")));
        assertTrue(problems.stream().anyMatch(p -> p.message().contains("not a position 3")));
        assertTrue(problems.stream().anyMatch(p -> p.message().contains("the target has no object mymod")));
        assertTrue(problems.stream().anyMatch(p -> p.message().contains("malformed livepatch symbol .klp.sym.broken")));
    }

    @Test
    void livepatchSymbolNamesParse() {
        assertEquals(Optional.of(new ModuleLoadCheck.KlpSymbol("vmlinux", "calls.3", 2)),
                ModuleLoadCheck.parseKlpSymbol(".klp.sym.vmlinux.calls.3,2"));
        assertEquals(Optional.of(new ModuleLoadCheck.KlpSymbol("nvram", "f.isra.0", 0)),
                ModuleLoadCheck.parseKlpSymbol(".klp.sym.nvram.f.isra.0,0"));
        assertEquals(Optional.empty(), ModuleLoadCheck.parseKlpSymbol(".klp.sym.vmlinux.f"));
        assertEquals(Optional.empty(), ModuleLoadCheck.parseKlpSymbol(".klp.sym.vmlinux.f,-1"));
        assertEquals(Optional.empty(), ModuleLoadCheck.parseKlpSymbol("printk"));
    }

    @Test
    void aChangedVersionOfAUsedSymbolIsRefusedWithBothCrcs() {
        String symvers = "0xf0949581\tseq_printf\tvmlinux\tEXPORT_SYMBOL\t\n0x1234\tseq_puts\tvmlinux\tEXPORT_SYMBOL\t\n";
        String cmd = "savedcmd_fs/seq_file.o := gcc-12 ...\n#SYMVER seq_printf 0x00c0ffee\n#SYMVER seq_puts 0x00001234\n";
        var running = SymbolVersions.parseSymvers(symvers);
        var changes = SymbolVersions.changes(running, SymbolVersions.parseCommandFile(cmd), "fs/seq_file.c");
        assertEquals(List.of(new SymbolVersions.Change("seq_printf", "0xf0949581", "0x00c0ffee", "fs/seq_file.c")), changes);
        var byName = Map.of("seq_printf", changes.get(0));

        var unused = ModuleLoadCheck.check(module(Set.of("seq_puts"), Set.of()), running.keySet(), TARGET, byName);
        assertEquals(List.of(), unused);
        var used = ModuleLoadCheck.check(new ModuleLoadCheck.ModuleSymbols(Set.of("seq_printf"), Set.of(),
                Map.of("seq_printf", Set.of(".text.khp_new_cmdline_proc_show"))), running.keySet(), TARGET, byName);
        assertEquals(1, used.size());
        assertEquals(ReasonCodes.SYMBOL_VERSION_CHANGED, used.get(0).reasonCode());
        assertEquals("seq_printf", used.get(0).symbol());
        String m = used.get(0).message();
        assertTrue(m.contains("0xf0949581") && m.contains("0x00c0ffee") && m.contains("fs/seq_file.c")
                && m.contains(".text.khp_new_cmdline_proc_show"), m);
    }

    /** An export of another module (sunrpc's cache_check from nfsd code) needs that module loaded first. */
    @Test
    void anExportOfAModuleIsRefusedWithTheModuleNamed() {
        String symvers = "0x12345678\tseq_puts\tvmlinux\tEXPORT_SYMBOL\t\n"
                + "0x9abcdef0\tcache_check\tnet/sunrpc/sunrpc\tEXPORT_SYMBOL_GPL\t\n";
        var problems = ModuleLoadCheck.check(module(Set.of("seq_puts", "cache_check"), Set.of()), SymbolVersions.exporters(symvers),
                TARGET, Map.of());
        assertEquals(1, problems.size(), problems.toString());
        assertEquals("cache_check", problems.get(0).symbol());
        assertEquals(ReasonCodes.UNRESOLVED_SYMBOL, problems.get(0).reasonCode());
        assertTrue(problems.get(0).message().contains("exported by module sunrpc, not by vmlinux"), problems.get(0).message());
    }
}
