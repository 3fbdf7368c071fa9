// SPDX-License-Identifier: GPL-2.0
/*
 * Prints the offset of every instruction x86_insn_decode finds in the code sections of an ELF
 * file, as "SECTION OFFSET" lines (hex), decoding from each section's start and again from each
 * function symbol. Compared with objdump's by insn-vs-objdump.
 */
#include <err.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "x86_insn.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	Elf_Scn *scn = NULL, *symscn = NULL;
	GElf_Shdr sh, symsh;
	size_t shstrndx;
	Elf *elf;
	int fd;

	if (argc != 2)
		errx(2, "usage: insn_starts FILE");
	elf_version(EV_CURRENT);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || !(elf = elf_begin(fd, ELF_C_READ, NULL)) || elf_getshdrstrndx(elf, &shstrndx))
		errx(2, "%s: not an ELF file", argv[1]);
	while ((scn = elf_nextscn(elf, scn))) {
		gelf_getshdr(scn, &sh);
		if (sh.sh_type == SHT_SYMTAB)
			symscn = scn;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *d;
		uint64_t *starts = NULL, pos = 0;
		size_t nstarts = 0, k = 0;

		gelf_getshdr(scn, &sh);
		if (!(sh.sh_flags & SHF_EXECINSTR) || sh.sh_type != SHT_PROGBITS || !sh.sh_size)
			continue;
		d = elf_getdata(scn, NULL);
		if (symscn) {
			Elf_Data *sd = elf_getdata(symscn, NULL);
			size_t i, n;

			gelf_getshdr(symscn, &symsh);
			n = symsh.sh_size / symsh.sh_entsize;
			starts = calloc(n + 1, sizeof(*starts));
			for (i = 0; i < n; i++) {
				GElf_Sym s;

				gelf_getsym(sd, (int)i, &s);
				if (s.st_shndx == elf_ndxscn(scn) && GELF_ST_TYPE(s.st_info) == STT_FUNC)
					starts[nstarts++] = s.st_value - (elf_kind(elf) == ELF_K_ELF &&
									  sh.sh_addr ? sh.sh_addr : 0);
			}
			qsort(starts, nstarts, sizeof(*starts), cmp_u64);
		}
		while (pos < sh.sh_size) {
			struct x86_insn insn;
			uint64_t next = sh.sh_size;

			while (k < nstarts && starts[k] <= pos)
				k++;
			if (k < nstarts)
				next = starts[k];
			if (!x86_insn_decode(d->d_buf, pos, sh.sh_size, &insn) || pos + insn.length > next) {
				printf("%s %lx undecodable\n", elf_strptr(elf, shstrndx, sh.sh_name),
				       (unsigned long)pos);
				pos = next;
				continue;
			}
			printf("%s %lx\n", elf_strptr(elf, shstrndx, sh.sh_name), (unsigned long)pos);
			pos += insn.length;
		}
		free(starts);
	}
	return 0;
}
