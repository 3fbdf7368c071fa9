// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a relocatable x86-64 object into sections, symbols and relocations.
 */
#include <err.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "klpdiff.h"
#include "x86_insn.h"

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		err(2, "calloc");
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		err(2, "strdup");
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		err(2, "vasprintf");
	va_end(ap);
	return s;
}

static int cmp_sym_value(const void *a, const void *b)
{
	const struct symbol *x = *(struct symbol *const *)a;
	const struct symbol *y = *(struct symbol *const *)b;

	if (x->sym.st_value != y->sym.st_value)
		return x->sym.st_value < y->sym.st_value ? -1 : 1;
	return x->index < y->index ? -1 : 1;
}

/* Bytes a relocation of @type writes (0: none or a type klpdiff does not know). */
static unsigned int rela_width(uint32_t type)
{
	switch (type) {
	case R_X86_64_64:
	case R_X86_64_PC64:
		return 8;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
	case R_X86_64_32:
	case R_X86_64_32S:
	case R_X86_64_GOTPCREL:
	case R_X86_64_GOTPCRELX:
	case R_X86_64_REX_GOTPCRELX:
		return 4;
	default:
		return 0;
	}
}

static int read_relas(struct object *obj, struct section *rs)
{
	Elf_Scn *scn = elf_getscn(obj->elf, rs->index);
	Elf_Data *d = elf_getdata(scn, NULL);
	struct section *base;
	size_t i, n;

	if (rs->sh.sh_entsize != sizeof(Elf64_Rela) || rs->sh.sh_info == 0 ||
	    rs->sh.sh_info >= obj->nsecs || obj->secs[rs->sh.sh_info].relsec ||
	    obj->secs[rs->sh.sh_info].sh.sh_type == SHT_RELA) {
		warnx("%s: malformed relocation section %s", obj->path, rs->name);
		return -1;
	}
	n = rs->sh.sh_size / rs->sh.sh_entsize;
	base = &obj->secs[rs->sh.sh_info];
	rs->base = base;
	base->relsec = rs;
	base->relas = xcalloc(n, sizeof(struct rela));
	base->nrelas = n;
	for (i = 0; i < n; i++) {
		GElf_Rela r;
		size_t si;

		if (!d || !gelf_getrela(d, (int)i, &r)) {
			warnx("%s: cannot read relocation %zu of %s", obj->path, i, rs->name);
			return -1;
		}
		si = GELF_R_SYM(r.r_info);
		if (si >= obj->nsyms) {
			warnx("%s: bad symbol index in %s", obj->path, rs->name);
			return -1;
		}
		if (r.r_offset > base->sh.sh_size ||
		    rela_width(GELF_R_TYPE(r.r_info)) > base->sh.sh_size - r.r_offset) {
			warnx("%s: relocation %zu of %s is outside %s", obj->path, i, rs->name,
			      base->name);
			return -1;
		}
		base->relas[i].sec = base;
		base->relas[i].offset = r.r_offset;
		base->relas[i].type = GELF_R_TYPE(r.r_info);
		base->relas[i].addend = r.r_addend;
		base->relas[i].sym = &obj->syms[si];
	}
	return 0;
}

/* qsort() order of an array of relocation pointers by offset. */
int cmp_rela_off(const void *a, const void *b)
{
	const struct rela *x = *(struct rela *const *)a, *y = *(struct rela *const *)b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/*
 * Finds the instruction holding each relocation of code section @s, decoding from the start
 * and again from every function symbol (padding and data between functions do not desync it).
 */
static void decode_relocated_instructions(struct section *s)
{
	struct rela **v;
	size_t i, k = 0, f = 0, n = s->nrelas, end = s->sh.sh_size;
	size_t pos = 0;

	for (i = 0; i < n; i++)
		s->relas[i].insn_tail = -1;
	if (!is_text_section(s) || !s->data || !n)
		return;
	v = xcalloc(n, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = &s->relas[i];
	qsort(v, n, sizeof(*v), cmp_rela_off);
	while (pos < end && k < n) {
		struct x86_insn insn;
		size_t next_func = end;

		while (f < s->nsyms && s->syms[f]->sym.st_value < pos)
			f++;
		if (f < s->nsyms && s->syms[f]->sym.st_value < end)
			next_func = s->syms[f]->sym.st_value;
		if (!x86_insn_decode(s->data, pos, end, &insn) || pos + insn.length > next_func) {
			if (next_func <= pos)
				next_func = pos + 1;
			while (k < n && v[k]->offset < next_func)
				k++;
			pos = next_func;
			continue;
		}
		while (k < n && v[k]->offset < pos + insn.length) {
			if (v[k]->offset >= pos)
				v[k]->insn_tail = (int)(pos + insn.length - v[k]->offset);
			k++;
		}
		pos += insn.length;
	}
	free(v);
}

struct object *object_open(const char *path)
{
	struct object *obj = xcalloc(1, sizeof(*obj));
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	size_t i, symtab = 0;

	obj->path = path;
	obj->fd = open(path, O_RDONLY);
	if (obj->fd < 0) {
		warn("%s", path);
		free(obj);
		return NULL;
	}
	obj->elf = elf_begin(obj->fd, ELF_C_READ, NULL);
	if (!obj->elf || elf_kind(obj->elf) != ELF_K_ELF || !gelf_getehdr(obj->elf, &eh) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_REL ||
	    eh.e_machine != EM_X86_64) {
		warnx("%s: not a relocatable x86-64 ELF object", path);
		goto fail;
	}
	if (elf_getshdrnum(obj->elf, &obj->nsecs) || elf_getshdrstrndx(obj->elf, &obj->shstrndx)) {
		warnx("%s: %s", path, elf_errmsg(-1));
		goto fail;
	}
	obj->secs = xcalloc(obj->nsecs, sizeof(struct section));
	while ((scn = elf_nextscn(obj->elf, scn))) {
		struct section *s = &obj->secs[elf_ndxscn(scn)];
		Elf_Data *d;

		s->obj = obj;
		s->index = elf_ndxscn(scn);
		gelf_getshdr(scn, &s->sh);
		s->name = elf_strptr(obj->elf, obj->shstrndx, s->sh.sh_name);
		if (!s->name)
			s->name = "";
		if (s->sh.sh_type != SHT_NOBITS && s->sh.sh_size) {
			d = elf_getdata(scn, NULL);
			if (!d || d->d_size != s->sh.sh_size) {
				warnx("%s: cannot read section %s", path, s->name);
				goto fail;
			}
			s->data = d->d_buf;
		}
		if (s->sh.sh_type == SHT_SYMTAB)
			symtab = s->index;
	}
	obj->secs[0].name = "";
	obj->secs[0].obj = obj;
	if (!symtab) {
		warnx("%s: no symbol table", path);
		goto fail;
	}

	{
		struct section *st = &obj->secs[symtab];
		Elf_Data *d = elf_getdata(elf_getscn(obj->elf, symtab), NULL);

		if (st->sh.sh_entsize != sizeof(Elf64_Sym) || st->sh.sh_link >= obj->nsecs) {
			warnx("%s: malformed symbol table", path);
			goto fail;
		}
		obj->nsyms = st->sh.sh_size / st->sh.sh_entsize;
		obj->syms = xcalloc(obj->nsyms, sizeof(struct symbol));
		for (i = 0; i < obj->nsyms; i++) {
			struct symbol *y = &obj->syms[i];

			y->index = i;
			if (!d || !gelf_getsym(d, (int)i, &y->sym)) {
				warnx("%s: cannot read symbol %zu", path, i);
				goto fail;
			}
			y->name = elf_strptr(obj->elf, st->sh.sh_link, y->sym.st_name);
			if (!y->name)
				y->name = "";
			y->type = GELF_ST_TYPE(y->sym.st_info);
			y->bind = GELF_ST_BIND(y->sym.st_info);
			if (y->sym.st_shndx != SHN_UNDEF && y->sym.st_shndx < SHN_LORESERVE &&
			    y->sym.st_shndx < obj->nsecs)
				y->sec = &obj->secs[y->sym.st_shndx];
			if (y->type == STT_SECTION) {
				if (!y->sec) {
					warnx("%s: section symbol %zu has no section", path, i);
					goto fail;
				}
				y->name = y->sec->name;
				y->sec->secsym = y;
			}
			if (y->sec && y->type != STT_SECTION &&
			    (y->sym.st_value > y->sec->sh.sh_size ||
			     y->sym.st_size > y->sec->sh.sh_size - y->sym.st_value)) {
				warnx("%s: symbol %s overruns its section %s", path, y->name,
				      y->sec->name);
				goto fail;
			}
		}
	}

	for (i = 1; i < obj->nsecs; i++)
		if (obj->secs[i].sh.sh_type == SHT_RELA && read_relas(obj, &obj->secs[i]))
			goto fail;

	/* Function and object symbols of each section, by address. */
	for (i = 1; i < obj->nsyms; i++) {
		struct symbol *y = &obj->syms[i];

		if (y->sec && (y->type == STT_FUNC || y->type == STT_OBJECT))
			y->sec->nsyms++;
	}
	for (i = 1; i < obj->nsecs; i++) {
		obj->secs[i].syms = xcalloc(obj->secs[i].nsyms, sizeof(struct symbol *));
		obj->secs[i].nsyms = 0;
	}
	for (i = 1; i < obj->nsyms; i++) {
		struct symbol *y = &obj->syms[i];

		if (y->sec && (y->type == STT_FUNC || y->type == STT_OBJECT))
			y->sec->syms[y->sec->nsyms++] = y;
	}
	for (i = 1; i < obj->nsecs; i++)
		qsort(obj->secs[i].syms, obj->secs[i].nsyms, sizeof(struct symbol *), cmp_sym_value);
	for (i = 1; i < obj->nsecs; i++)
		decode_relocated_instructions(&obj->secs[i]);
	return obj;
fail:
	object_close(obj);
	return NULL;
}

/* Frees what object_open() and the correlation made (long-running callers: the fuzzer). */
void object_close(struct object *obj)
{
	size_t i;

	if (!obj)
		return;
	for (i = 0; obj->secs && i < obj->nsecs; i++) {
		struct symbol *y = obj->secs[i].secsym;

		if (y && (y < obj->syms || y >= obj->syms + obj->nsyms))
			free(y);	/* made by section_symbol() */
		free(obj->secs[i].relas);
		free(obj->secs[i].syms);
	}
	for (i = 0; obj->syms && i < obj->nsyms; i++)
		free(obj->syms[i].key);
	free(obj->secs);
	free(obj->syms);
	if (obj->elf)
		elf_end(obj->elf);
	if (obj->fd >= 0)
		close(obj->fd);
	free(obj);
}

struct section *find_section(struct object *obj, const char *name)
{
	size_t i;

	for (i = 1; i < obj->nsecs; i++)
		if (!strcmp(obj->secs[i].name, name))
			return &obj->secs[i];
	return NULL;
}

bool is_pcrel(uint32_t type)
{
	return type == R_X86_64_PC32 || type == R_X86_64_PLT32 || type == R_X86_64_PC64 ||
	       type == R_X86_64_GOTPCREL || type == R_X86_64_GOTPCRELX ||
	       type == R_X86_64_REX_GOTPCRELX;
}

/*
 * Does relocation @r take the address of its target (as opposed to being the operand of a
 * call or jump)? x86-64 kernel code (-mcmodel=kernel) forms addresses with R_X86_64_32S
 * (mov $f, %reg), R_X86_64_32/64 (data, tables) and R_X86_64_PC32 of `lea f(%rip)`; calls and
 * jumps are PLT32 (or PC32 with older assemblers) after the opcode e8/e9 or 0f 80..8f.
 */
bool takes_address(const struct rela *r)
{
	const unsigned char *code = r->sec ? r->sec->data : NULL;
	uint64_t off = r->offset;

	switch (r->type) {
	case R_X86_64_64:
	case R_X86_64_32:
	case R_X86_64_32S:
		return true;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
		if (!is_text_section(r->sec) || !code)
			return r->type == R_X86_64_PC32;
		if (off >= 1 && (code[off - 1] == 0xe8 || code[off - 1] == 0xe9))
			return false;
		if (off >= 2 && code[off - 2] == 0x0f && (code[off - 1] & 0xf0) == 0x80)
			return false;
		return true;
	default:
		return false;
	}
}

const char *rela_type_name(uint32_t type)
{
	switch (type) {
	case R_X86_64_NONE: return "R_X86_64_NONE";
	case R_X86_64_64: return "R_X86_64_64";
	case R_X86_64_PC32: return "R_X86_64_PC32";
	case R_X86_64_PLT32: return "R_X86_64_PLT32";
	case R_X86_64_32: return "R_X86_64_32";
	case R_X86_64_32S: return "R_X86_64_32S";
	case R_X86_64_PC64: return "R_X86_64_PC64";
	case R_X86_64_GOTPCREL: return "R_X86_64_GOTPCREL";
	case R_X86_64_GOTPCRELX: return "R_X86_64_GOTPCRELX";
	case R_X86_64_REX_GOTPCRELX: return "R_X86_64_REX_GOTPCRELX";
	default: return "R_X86_64_UNKNOWN";
	}
}

/* The function or object symbol of @sec covering offset @off (or the only one). */
struct symbol *covering_symbol(struct section *sec, int64_t off)
{
	size_t i;

	if (!sec || !sec->nsyms)
		return NULL;
	if (sec->nsyms == 1)
		return sec->syms[0];
	for (i = 0; i < sec->nsyms; i++) {
		struct symbol *y = sec->syms[i];

		if (off >= 0 && (uint64_t)off >= y->sym.st_value &&
		    (uint64_t)off - y->sym.st_value < (y->sym.st_size ? y->sym.st_size : 1))
			return y;
	}
	return NULL;
}

/*
 * The symbol a relocation really refers to: a section symbol plus addend becomes the function or
 * object covering the target, with the addend made relative to it. Anonymous data (strings,
 * constant pools) stays the section symbol.
 */
static struct symbol *section_symbol(struct section *sec)
{
	if (!sec->secsym) {
		struct symbol *y = xcalloc(1, sizeof(*y));

		y->name = sec->name;
		y->type = STT_SECTION;
		y->bind = STB_LOCAL;
		y->sec = sec;
		y->sym.st_info = GELF_ST_INFO(STB_LOCAL, STT_SECTION);
		y->sym.st_shndx = (GElf_Section)sec->index;
		sec->secsym = y;
	}
	return sec->secsym;
}

/*
 * The symbol a relocation really refers to: a section symbol or local label plus addend becomes
 * the function or object covering the target, with the addend made relative to it. Anonymous
 * data (strings, constant pools) stays a section symbol with a section-relative addend.
 *
 * A PC-relative operand's addend is the target minus the distance from the field to the end of
 * its instruction (4, or more when an immediate follows); fields in data are exact.
 */
struct symbol *resolve_target(const struct rela *r, int64_t *addend)
{
	static const int64_t insn_bias[] = { 4, 5, 6, 8, 0 };
	static const int64_t no_bias[] = { 0 };
	struct symbol *y = r->sym, *c = NULL;
	const int64_t *bias = no_bias;
	int64_t decoded_bias;
	size_t nbias = 1, i;
	int64_t off;

	*addend = r->addend;
	if (!y->sec || y->type == STT_FUNC || y->type == STT_OBJECT ||
	    (y->type != STT_SECTION && y->bind != STB_LOCAL))
		return y;
	off = add_wrap(r->addend, y->type == STT_SECTION ? 0 : (int64_t)y->sym.st_value);
	if (is_pcrel(r->type) && r->insn_tail >= 0) {
		bias = &decoded_bias;
		decoded_bias = r->insn_tail;
	} else if (is_pcrel(r->type) && r->sec && is_text_section(r->sec)) {
		bias = insn_bias;
		nbias = sizeof(insn_bias) / sizeof(insn_bias[0]);
	}
	for (i = 0; i < nbias && !c; i++)
		c = covering_symbol(y->sec, add_wrap(off, bias[i]));
	if (!c) {
		*addend = off;
		return section_symbol(y->sec);
	}
	*addend = off - (int64_t)c->sym.st_value;
	return c;
}

bool is_string_section(const struct section *sec)
{
	return sec && (sec->sh.sh_flags & SHF_STRINGS);
}

bool is_text_section(const struct section *sec)
{
	return sec && (sec->sh.sh_flags & SHF_EXECINSTR);
}

static bool starts(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

bool is_init_section(const struct section *sec)
{
	return sec && (starts(sec->name, ".init.") || starts(sec->name, ".exit.") ||
		       !strcmp(sec->name, ".init") || !strcmp(sec->name, ".exit"));
}

bool is_data_section(const struct section *sec)
{
	const char *n;

	if (!sec || !(sec->sh.sh_flags & SHF_ALLOC) || (sec->sh.sh_flags & SHF_EXECINSTR))
		return false;
	n = sec->name;
	return starts(n, ".data") || starts(n, ".bss") || starts(n, ".rodata") ||
	       starts(n, ".init.data") || starts(n, ".init.rodata") || starts(n, ".exit.data") ||
	       starts(n, ".ref.data");
}
