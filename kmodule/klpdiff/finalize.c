// SPDX-License-Identifier: GPL-2.0
/*
 * klpdiff --finalize MODULE.ko: after kbuild linked objects written with --linkable, moves every
 * relocation against a ".klp.sym.OBJ.NAME,POS" symbol out of its ordinary relocation section
 * into ".klp.rela.OBJ.SECTION" (SHF_ALLOC | SHF_RELA_LIVEPATCH) and marks those symbols
 * SHN_LIVEPATCH, as the livepatch module ELF format requires. The linker cannot carry livepatch
 * relocation sections through `ld -r` itself.
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "klpdiff.h"

#define KLP_SYM ".klp.sym."

struct newsec {
	char *name;
	size_t target;
	Elf64_Rela *relas;
	size_t n;
};

/* The object part of ".klp.sym.OBJ.NAME,POS" into @obj; false if malformed. */
static bool klp_object(const char *name, char *obj, size_t size)
{
	const char *p = name + strlen(KLP_SYM), *dot = strchr(p, '.');

	if (!dot || dot == p || (size_t)(dot - p) >= size || !strchr(dot, ','))
		return false;
	memcpy(obj, p, dot - p);
	obj[dot - p] = 0;
	return true;
}

int finalize_module(const char *path)
{
	struct newsec *add = NULL;
	size_t nadd = 0, nsecs, shstrndx, symidx = 0, i, j, moved = 0;
	Elf_Scn *scn = NULL, *symscn;
	GElf_Shdr sh, symsh;
	Elf_Data *symd, *shstrd;
	char *shstr;
	size_t shlen;
	Elf *elf;
	int fd;

	fd = open(path, O_RDWR);
	if (fd < 0) {
		warn("%s", path);
		return -1;
	}
	elf = elf_begin(fd, ELF_C_RDWR, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getshdrnum(elf, &nsecs) ||
	    elf_getshdrstrndx(elf, &shstrndx)) {
		warnx("%s: not an ELF object", path);
		close(fd);
		return -1;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		gelf_getshdr(scn, &sh);
		if (sh.sh_type == SHT_SYMTAB)
			symidx = elf_ndxscn(scn);
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		/* what `ld -r` leaves of a .klp.rela section: unusable */
		if (name && !strncmp(name, ".klp.rela.", 10) && sh.sh_type != SHT_RELA) {
			warnx("%s: %s was mangled by the linker: build OUT.o with --linkable",
			      path, name);
			goto fail;
		}
	}
	if (!symidx) {
		warnx("%s: no symbol table", path);
		goto fail;
	}
	symscn = elf_getscn(elf, symidx);
	gelf_getshdr(symscn, &symsh);
	symd = elf_getdata(symscn, NULL);
	if (!symd || symsh.sh_entsize != sizeof(Elf64_Sym)) {
		warnx("%s: malformed symbol table", path);
		goto fail;
	}

	/* livepatch symbols */
	for (i = 1; i < symsh.sh_size / symsh.sh_entsize; i++) {
		GElf_Sym s;
		const char *name;
		char obj[64];

		gelf_getsym(symd, (int)i, &s);
		name = elf_strptr(elf, symsh.sh_link, s.st_name);
		if (!name || strncmp(name, KLP_SYM, strlen(KLP_SYM)))
			continue;
		if (!klp_object(name, obj, sizeof(obj))) {
			warnx("%s: malformed livepatch symbol %s", path, name);
			goto fail;
		}
		if (s.st_shndx != SHN_UNDEF && s.st_shndx != SHN_LIVEPATCH) {
			warnx("%s: livepatch symbol %s is defined", path, name);
			goto fail;
		}
		s.st_shndx = SHN_LIVEPATCH;
		s.st_info = GELF_ST_INFO(STB_GLOBAL, STT_NOTYPE);
		gelf_update_sym(symd, (int)i, &s);
	}
	elf_flagdata(symd, ELF_C_SET, ELF_F_DIRTY);

	/* split relocation sections */
	scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *d;
		size_t n, keep = 0;
		Elf64_Rela *kept;
		const char *target;
		GElf_Shdr tsh;

		gelf_getshdr(scn, &sh);
		if (sh.sh_type != SHT_RELA || (sh.sh_flags & SHF_RELA_LIVEPATCH) ||
		    sh.sh_link != symidx)
			continue;
		d = elf_getdata(scn, NULL);
		n = sh.sh_size / sizeof(Elf64_Rela);
		kept = xcalloc(n, sizeof(*kept));
		gelf_getshdr(elf_getscn(elf, sh.sh_info), &tsh);
		target = elf_strptr(elf, shstrndx, tsh.sh_name);
		for (i = 0; i < n; i++) {
			GElf_Rela r;
			GElf_Sym s;
			const char *name;
			char obj[64], *secname;

			gelf_getrela(d, (int)i, &r);
			gelf_getsym(symd, (int)GELF_R_SYM(r.r_info), &s);
			name = elf_strptr(elf, symsh.sh_link, s.st_name);
			if (!name || strncmp(name, KLP_SYM, strlen(KLP_SYM))) {
				kept[keep].r_offset = r.r_offset;
				kept[keep].r_info = r.r_info;
				kept[keep].r_addend = r.r_addend;
				keep++;
				continue;
			}
			klp_object(name, obj, sizeof(obj));
			secname = xasprintf(".klp.rela.%s.%s", obj, target);
			for (j = 0; j < nadd; j++)
				if (!strcmp(add[j].name, secname))
					break;
			if (j == nadd) {
				add = realloc(add, (nadd + 1) * sizeof(*add));
				if (!add)
					err(2, "realloc");
				add[nadd] = (struct newsec){ secname, sh.sh_info, NULL, 0 };
				add[nadd].relas = xcalloc(n, sizeof(Elf64_Rela));
				nadd++;
			} else {
				free(secname);
			}
			add[j].relas[add[j].n].r_offset = r.r_offset;
			add[j].relas[add[j].n].r_info = r.r_info;
			add[j].relas[add[j].n].r_addend = r.r_addend;
			add[j].n++;
			moved++;
		}
		if (keep == n) {
			free(kept);
			continue;
		}
		d->d_buf = kept;
		d->d_size = keep * sizeof(Elf64_Rela);
		elf_flagdata(d, ELF_C_SET, ELF_F_DIRTY);
		sh.sh_size = d->d_size;
		gelf_update_shdr(scn, &sh);
	}

	/* names of the new sections */
	scn = elf_getscn(elf, shstrndx);
	shstrd = elf_getdata(scn, NULL);
	shlen = shstrd->d_size;
	for (i = 0; i < nadd; i++)
		shlen += strlen(add[i].name) + 1;
	shstr = xcalloc(shlen, 1);
	memcpy(shstr, shstrd->d_buf, shstrd->d_size);
	shlen = shstrd->d_size;
	for (i = 0; i < nadd; i++) {
		Elf_Scn *ns = elf_newscn(elf);
		Elf_Data *nd = elf_newdata(ns);
		GElf_Shdr nsh;

		memset(&nsh, 0, sizeof(nsh));
		nsh.sh_name = shlen;
		strcpy(shstr + shlen, add[i].name);
		shlen += strlen(add[i].name) + 1;
		nsh.sh_type = SHT_RELA;
		nsh.sh_flags = SHF_ALLOC | SHF_INFO_LINK | SHF_RELA_LIVEPATCH;
		nsh.sh_link = symidx;
		nsh.sh_info = add[i].target;
		nsh.sh_addralign = 8;
		nsh.sh_entsize = sizeof(Elf64_Rela);
		nsh.sh_size = add[i].n * sizeof(Elf64_Rela);
		nd->d_buf = add[i].relas;
		nd->d_size = nsh.sh_size;
		nd->d_type = ELF_T_BYTE;
		nd->d_align = 8;
		gelf_update_shdr(ns, &nsh);
	}
	shstrd->d_buf = shstr;
	shstrd->d_size = shlen;
	elf_flagdata(shstrd, ELF_C_SET, ELF_F_DIRTY);
	gelf_getshdr(scn, &sh);
	sh.sh_size = shlen;
	gelf_update_shdr(scn, &sh);

	if (elf_update(elf, ELF_C_WRITE) < 0) {
		warnx("%s: %s", path, elf_errmsg(-1));
		goto fail;
	}
	elf_end(elf);
	close(fd);
	fprintf(stderr, "klpdiff: %s: %zu livepatch relocations in %zu sections\n", path, moved,
		nadd);
	return 0;
fail:
	elf_end(elf);
	close(fd);
	return -1;
}
