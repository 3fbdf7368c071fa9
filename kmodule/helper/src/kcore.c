// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kcore is an ELF core file: each PT_LOAD maps a range of kernel
 * virtual addresses (p_vaddr) to a file offset (p_offset).
 */
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>

#include "helper.h"

int kcore_segments(int fd, struct kseg **segs, size_t *n,
		   char *err, size_t errlen)
{
	struct kseg *v = NULL;
	size_t phnum, i, k = 0;
	GElf_Phdr ph;
	Elf *elf;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		snprintf(err, errlen, "libelf: %s", elf_errmsg(-1));
		return -1;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		snprintf(err, errlen, "kcore is not ELF: %s", elf_errmsg(-1));
		goto fail;
	}
	if (elf_getphdrnum(elf, &phnum)) {
		snprintf(err, errlen, "kcore program headers: %s",
			 elf_errmsg(-1));
		goto fail;
	}
	v = calloc(phnum ? phnum : 1, sizeof(*v));
	if (!v)
		goto fail;
	for (i = 0; i < phnum; i++) {
		if (!gelf_getphdr(elf, i, &ph)) {
			snprintf(err, errlen, "kcore program header %zu: %s",
				 i, elf_errmsg(-1));
			goto fail;
		}
		if (ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		v[k].vaddr = ph.p_vaddr;
		v[k].offset = ph.p_offset;
		v[k].size = ph.p_filesz;
		k++;
	}
	elf_end(elf);
	*segs = v;
	*n = k;
	return 0;
fail:
	free(v);
	if (elf)
		elf_end(elf);
	return -1;
}

/* Maps [addr, addr + len) to a file offset; -1 if no segment holds it all. */
int kcore_offset(const struct kseg *segs, size_t n, uint64_t addr,
		 uint64_t len, uint64_t *off)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (addr < segs[i].vaddr)
			continue;
		if (addr - segs[i].vaddr >= segs[i].size)
			continue;
		if (len > segs[i].size - (addr - segs[i].vaddr))
			continue;
		*off = segs[i].offset + (addr - segs[i].vaddr);
		return 0;
	}
	return -1;
}
