// SPDX-License-Identifier: GPL-2.0
/*
 * Selecting what goes into OUT.o and writing it: the changed and new functions of POST.o,
 * everything they need, filtered special sections, normal relocations to exported symbols and
 * klp relocations to everything else.
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "klpdiff.h"

struct orela {
	uint64_t off;
	uint32_t type;
	size_t sym;
	int64_t addend;
};

struct osec {
	char *name;
	GElf_Shdr sh;
	unsigned char *buf;
	size_t size;
	struct orela *relas;
	size_t nrelas;
	struct orela *klp;	/* grouped by object at write time */
	size_t nklp;
	size_t nklp_total;
	size_t secsym;
	size_t idx;		/* ELF section index */
};

struct osym {
	char *name;
	unsigned char bind, type;
	int osec;		/* -1: undefined or livepatch */
	bool klp;
	bool patch;		/* defined by another part of the livepatch */
	char *klp_obj;
	uint64_t value, size;
	size_t idx;		/* final symbol index */
};

static struct osec *osecs;
static size_t nosecs;
static struct osym *osyms;
static size_t nosyms;

static struct section **work;
static size_t nwork, nworked;

static bool linkable;

void set_linkable(bool on)
{
	linkable = on;
}

static size_t add_osym(const char *name, unsigned char bind, unsigned char type, int osec,
		       uint64_t value, uint64_t size)
{
	struct osym *s;

	osyms = realloc(osyms, (nosyms + 1) * sizeof(*osyms));
	if (!osyms)
		err(2, "realloc");
	s = &osyms[nosyms];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->bind = bind;
	s->type = type;
	s->osec = osec;
	s->value = value;
	s->size = size;
	return nosyms++;
}

static int add_osec(const char *name, const GElf_Shdr *sh, const unsigned char *data,
		    size_t size)
{
	struct osec *o;

	osecs = realloc(osecs, (nosecs + 1) * sizeof(*osecs));
	if (!osecs)
		err(2, "realloc");
	o = &osecs[nosecs];
	memset(o, 0, sizeof(*o));
	o->name = xstrdup(name);
	o->sh = *sh;
	o->size = size;
	if (sh->sh_type != SHT_NOBITS) {
		o->buf = xcalloc(size, 1);
		if (data)
			memcpy(o->buf, data, size);
	}
	o->secsym = add_osym(name, STB_LOCAL, STT_SECTION, (int)nosecs, 0, 0);
	return (int)nosecs++;
}

static void add_orela(struct osec *o, bool klp, uint64_t off, uint32_t type, size_t sym,
		      int64_t addend)
{
	struct orela **v;
	size_t *n;

	if (klp)
		o->nklp_total++;
	if (linkable)
		klp = false;	/* klpdiff --finalize moves them after linking */
	v = klp ? &o->klp : &o->relas;
	n = klp ? &o->nklp : &o->nrelas;
	*v = realloc(*v, (*n + 1) * sizeof(**v));
	if (!*v)
		err(2, "realloc");
	(*v)[*n] = (struct orela){ off, type, sym, addend };
	(*n)++;
}

static bool starts(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* Name of an included function in OUT.o. */
static char *out_function_name(struct symbol *y)
{
	if (y->parent || y->status != ST_CHANGED)
		return xstrdup(y->name);
	return new_name(y);
}

static void include_section(struct section *s)
{
	size_t i;
	char *name;
	int o;

	if (s->include)
		return;
	s->include = true;
	name = xstrdup(s->name);
	for (i = 0; i < s->nsyms; i++) {
		struct symbol *y = s->syms[i];

		if (y->type == STT_FUNC && !y->parent && y->status == ST_CHANGED &&
		    is_text_section(s)) {
			free(name);
			name = xasprintf(".text.%s", new_name(y));
			break;
		}
	}
	o = add_osec(name, &s->sh, s->data, s->sh.sh_size);
	s->outidx = o;
	for (i = 0; i < s->nsyms; i++) {
		struct symbol *y = s->syms[i];
		unsigned char bind = y->bind;

		y->include = true;
		y->outname = y->type == STT_FUNC ? out_function_name(y) : xstrdup(y->name);
		if (y->type == STT_FUNC && y->status == ST_CHANGED && !y->parent)
			bind = STB_GLOBAL;
		y->outidx = (int)add_osym(y->outname, bind, y->type, o, y->sym.st_value,
					  y->sym.st_size);
	}
	work = realloc(work, (nwork + 1) * sizeof(*work));
	if (!work)
		err(2, "realloc");
	work[nwork++] = s;
}

/*
 * An external reference, to the symbol named @name: defined by another part of the livepatch
 * (a new symbol of another file: linked inside the module), or of the target kernel.
 */
static size_t external(struct context *ctx, const char *name, bool defined_in_pre,
		       bool local, bool *klp)
{
	bool exported = symvers_has(&ctx->symvers, name);
	bool in_patch = !defined_in_pre && symvers_has(&ctx->patch_syms, name);
	const char *owner = defined_in_pre ? ctx->objname : "vmlinux";
	char *klpname;
	size_t i;

	*klp = !in_patch &&
	       !(exported && !local && (!defined_in_pre || !strcmp(ctx->objname, "vmlinux")));
	if (!*klp) {
		for (i = 0; i < nosyms; i++)
			if (osyms[i].osec < 0 && !osyms[i].klp && !strcmp(osyms[i].name, name))
				return i;
		i = add_osym(name, STB_GLOBAL, STT_NOTYPE, -1, 0, 0);
		osyms[i].patch = in_patch;
		return i;
	}
	klpname = xasprintf(".klp.sym.%s.%s,%lu", owner, name, sympos_of(ctx, name));
	for (i = 0; i < nosyms; i++)
		if (osyms[i].klp && !strcmp(osyms[i].name, klpname)) {
			free(klpname);
			return i;
		}
	i = add_osym(klpname, STB_GLOBAL, STT_NOTYPE, -1, 0, 0);
	osyms[i].klp = true;
	osyms[i].klp_obj = xstrdup(owner);
	free(klpname);
	return i;
}

static bool map_rela(struct context *ctx, struct section *from, const struct rela *r,
		     size_t *sym, int64_t *addend, bool *klp);

/* The name of what @r refers to, for messages (the PRE.o name when correlated). */
static const char *target_name(const struct rela *r)
{
	int64_t a;
	struct symbol *t = resolve_target(r, &a);

	return t->twin ? t->twin->name : t->name;
}

/* The output section collecting the carried entries of special section @s. */
static int entry_osec(struct section *s)
{
	size_t i;

	for (i = 0; i < nosecs; i++)
		if (!strcmp(osecs[i].name, s->name))
			return (int)i;
	return add_osec(s->name, &s->sh, NULL, 0);
}

/*
 * Copies the entry @t of a special section referenced by included code (a dynamic debug
 * descriptor) into OUT.o's section of the same name, where the module loader registers it, with
 * its own relocations (strings) mapped. Returns its output symbol.
 */
static size_t carried_entry(struct context *ctx, struct symbol *t)
{
	struct section *s = t->sec;
	uint64_t start = t->sym.st_value, size = t->sym.st_size, off;
	int o = entry_osec(s);
	size_t i;

	off = osecs[o].size;
	osecs[o].buf = realloc(osecs[o].buf, off + size);
	if (!osecs[o].buf)
		err(2, "realloc");
	memcpy(osecs[o].buf + off, s->data + start, size);
	osecs[o].size = off + size;
	t->include = true;
	t->outname = xstrdup(t->name);
	t->outidx = (int)add_osym(t->name, STB_LOCAL, STT_OBJECT, o, off, size);
	for (i = 0; i < s->nrelas; i++) {
		const struct rela *r = &s->relas[i];
		size_t sym;
		int64_t addend;
		bool klp;

		if (r->offset < start || r->offset >= start + size ||
		    !map_rela(ctx, s, r, &sym, &addend, &klp))
			continue;
		add_orela(&osecs[o], klp, r->offset - start + off, r->type, sym, addend);
	}
	return (size_t)t->outidx;
}

/*
 * Maps one POST relocation to an output symbol and addend. Returns false (after recording an
 * issue) when the target cannot be expressed.
 */
static bool map_rela(struct context *ctx, struct section *from, const struct rela *r,
		     size_t *sym, int64_t *addend, bool *klp)
{
	int64_t a;
	struct symbol *t = resolve_target(r, &a);

	*klp = false;
	if (t->type == STT_SECTION) {
		struct section *s = t->sec;

		if (!s->include) {
			/* text without functions (.altinstr_aux) is carried whole */
			if ((is_text_section(s) && s->nsyms) || is_special_section(s) ||
			    !(s->sh.sh_flags & SHF_ALLOC)) {
				add_issue(ctx, "UNSUPPORTED_RELOCATION", NULL, from->name,
					  "relocation at %s+0x%lx to %s+%ld cannot be expressed",
					  from->name, (unsigned long)r->offset, s->name,
					  (long)r->addend);
				return false;
			}
			include_section(s);
		}
		*sym = osecs[s->outidx].secsym;
		*addend = a;
		return true;
	}
	if (!t->sec) {
		*sym = external(ctx, t->name, false, false, klp);
		*addend = a;
		return true;
	}
	if (!t->include && special_of(t->sec->name)) {
		const struct special *sp = special_of(t->sec->name);

		if (sp->referenced) {
			*sym = carried_entry(ctx, t);
			*addend = a;
			return true;
		}
		if (sp->refuse_new && !t->twin) {
			add_issue(ctx, "UNSUPPORTED_SECTION", t->name, t->sec->name,
				  "new %s entry %s used by %s: %s", t->sec->name, t->name,
				  from->name, sp->refuse_new);
			return false;
		}
	}
	if (!t->include) {
		struct symbol *pre = t->twin;

		if (t->type == STT_FUNC && !pre) {
			include_section(t->sec);
		} else if (t->type == STT_FUNC && t->status == ST_CHANGED) {
			include_section(t->sec);
		} else if (pre && t->type == STT_OBJECT && t->bind == STB_LOCAL &&
			   !(t->sec->sh.sh_flags & SHF_WRITE) && !t->sec->nrelas &&
			   t->sec->nsyms == 1 && is_data_section(t->sec)) {
			/* unchanged local constant without pointers: a copy is equivalent */
			include_section(t->sec);
		} else if (pre) {
			*sym = external(ctx, pre->name, true, pre->bind == STB_LOCAL, klp);
			*addend = a;
			return true;
		} else if (is_data_section(t->sec) || starts(t->sec->name, ".data.")) {
			include_section(t->sec);	/* new data */
		} else {
			add_issue(ctx, "UNSUPPORTED_SECTION", t->name, t->sec->name,
				  "new symbol %s in section %s cannot be included", t->name,
				  t->sec->name);
			return false;
		}
	}
	*sym = (size_t)t->outidx;
	*addend = a;
	return true;
}

/*
 * The address of a changed function, taken by included code or data (stored, compared,
 * printed, registered as a callback), is the ORIGINAL function's: the running kernel holds
 * that address already (ops tables, registrations), the livepatch redirects calls through it,
 * and it stays valid after the livepatch is removed. Calls and jumps go to the new copy.
 * Returns false when @r is not such a reference.
 */
static bool original_function_address(struct context *ctx, const struct rela *r, size_t *sym,
				      int64_t *addend, bool *klp)
{
	int64_t a;
	struct symbol *t = resolve_target(r, &a);
	struct symbol *pre = t->twin;

	if (t->type != STT_FUNC || t->status != ST_CHANGED || !pre || t->parent ||
	    !takes_address(r))
		return false;
	/* the function's entry: `lea f(%rip)` has addend -4, absolute forms 0 */
	if (a != (r->type == R_X86_64_PC32 || r->type == R_X86_64_PLT32 ? -4 : 0))
		return false;
	*sym = external(ctx, pre->name, true, pre->bind == STB_LOCAL, klp);
	*addend = a;
	return true;
}

static void process_work(struct context *ctx)
{
	for (; nworked < nwork; nworked++) {
		struct section *s = work[nworked];
		size_t i;

		for (i = 0; i < s->nrelas; i++) {
			size_t sym;
			int64_t addend;
			bool klp;

			if (!original_function_address(ctx, &s->relas[i], &sym, &addend, &klp) &&
			    !map_rela(ctx, s, &s->relas[i], &sym, &addend, &klp))
				continue;
			/* copied into the code at load, before module klp relocations are applied */
			if (klp && !strcmp(s->name, ".altinstr_replacement") &&
			    strcmp(ctx->objname, "vmlinux") &&
			    !strcmp(osyms[sym].klp_obj, ctx->objname))
				add_issue(ctx, "UNSUPPORTED_ALTERNATIVE", target_name(&s->relas[i]), s->name,
					  "alternative replacement code needs %s of module %s, which a livepatch can only reach after alternatives are applied: keep alternatives using that symbol out of the changed code",
					  osyms[sym].name, ctx->objname);
			add_orela(&osecs[s->outidx], klp, s->relas[i].offset, s->relas[i].type, sym,
				  addend);
		}
	}
}

/* The reloc of @s at exactly @off, if any. */
static struct rela *rela_at(struct section *s, uint64_t off)
{
	size_t i;

	for (i = 0; i < s->nrelas; i++)
		if (s->relas[i].offset == off)
			return &s->relas[i];
	return NULL;
}

/* Keeps the entries of site table @s whose site is in included code. */
static void filter_special(struct context *ctx, const struct special *sp, struct section *s)
{
	struct section *comp = NULL;
	size_t n, e, kept = 0, entsize = entry_size(s), compsize = 0;
	int o = -1, oo = -1;

	if (!entsize)
		return;	/* refused by check_special_layouts() */
	n = s->sh.sh_size / entsize;
	if (sp->companion) {
		comp = find_section(ctx->post, sp->companion);
		compsize = comp && n ? comp->sh.sh_size / n : 0;
		if (!comp || !compsize || comp->sh.sh_size % n ||
		    (comp->sh.sh_entsize && comp->sh.sh_entsize != compsize)) {
			add_issue(ctx, "UNSUPPORTED_SECTION", NULL, s->name,
				  "%s and %s do not have the same number of entries", s->name,
				  sp->companion);
			return;
		}
	}
	for (e = 0; e < n; e++) {
		struct rela *anchor = rela_at(s, e * entsize);
		size_t k;

		if (!anchor || !anchor->sym->sec || !anchor->sym->sec->include ||
		    !is_text_section(anchor->sym->sec))
			continue;
		if (o < 0) {
			GElf_Shdr sh = s->sh;

			o = add_osec(s->name, &sh, NULL, 0);
			if (comp)
				oo = add_osec(comp->name, &comp->sh, NULL, 0);
		}
		osecs[o].buf = realloc(osecs[o].buf, (kept + 1) * entsize);
		memcpy(osecs[o].buf + kept * entsize, s->data + e * entsize, entsize);
		osecs[o].size = (kept + 1) * entsize;
		if (comp) {
			osecs[oo].buf = realloc(osecs[oo].buf, (kept + 1) * compsize);
			memcpy(osecs[oo].buf + kept * compsize, comp->data + e * compsize, compsize);
			osecs[oo].size = (kept + 1) * compsize;
		}
		for (k = 0; k < s->nrelas; k++) {
			struct rela *r = &s->relas[k];
			size_t sym;
			int64_t addend;
			bool klp;

			if (r->offset < e * entsize || r->offset >= (e + 1) * entsize)
				continue;
			if (sp->repl_field && r->offset % entsize == sp->repl_field &&
			    r->sym->sec && !r->sym->sec->include)
				include_section(r->sym->sec);
			if (!map_rela(ctx, s, r, &sym, &addend, &klp))
				continue;
			if (klp && sp->key_field && r->offset % entsize == sp->key_field &&
			    strcmp(ctx->objname, "vmlinux") &&
			    !strcmp(osyms[sym].klp_obj, ctx->objname))
				add_issue(ctx, "UNSUPPORTED_STATIC_KEY", target_name(r), s->name,
					  "%s entry needs key %s of module %s, which a livepatch can only reach after the module's jump labels and static calls are set up: keep static branches and static calls on that key out of the changed code",
					  s->name, osyms[sym].name, ctx->objname);
			add_orela(&osecs[o], klp, r->offset - e * entsize + kept * entsize,
				  r->type, sym, addend);
		}
		kept++;
	}
}

static void check_unknown_sections(struct context *ctx)
{
	struct object *post = ctx->post;
	size_t i, j;

	for (i = 1; i < post->nsecs; i++) {
		struct section *s = &post->secs[i];

		/* data pointing at old code is fine: the old code is redirected */
		if (s->include || !(s->sh.sh_flags & SHF_ALLOC) || is_special_section(s) ||
		    is_patch_api_section(s) || is_ignored_section(ctx, s) ||
		    is_text_section(s) || is_data_section(s) || starts(s->name, ".discard") ||
		    !strcmp(s->name, ".eh_frame") ||
		    starts(s->name, "___ksymtab") || starts(s->name, "__ksymtab") ||
		    starts(s->name, "__kcrctab") || starts(s->name, ".initcall") ||
		    is_init_section(s))
			continue;
		for (j = 0; j < s->nrelas; j++) {
			struct section *t = s->relas[j].sym->sec;

			if (t && t->include && is_text_section(t)) {
				add_issue(ctx, "UNSUPPORTED_SECTION", NULL, s->name,
					  "section %s refers to included code (%s)", s->name,
					  t->name);
				break;
			}
		}
	}
}

/*
 * A global data object only in POST.o: included even when this file does not use it, since
 * another part of the livepatch may (see --patch-symbols).
 */
bool is_new_global_object(const struct symbol *y)
{
	return y->type == STT_OBJECT && y->sec && !y->twin && y->bind != STB_LOCAL &&
	       is_data_section(y->sec) && !is_init_section(y->sec);
}

/* Each callback function, with a global alias the livepatch glue refers to. */
static void include_callbacks(struct context *ctx)
{
	size_t i;

	for (i = 0; i < ctx->ncallbacks; i++) {
		struct symbol *fn = ctx->callbacks[i].func;

		include_section(fn->sec);
		add_osym(ctx->callbacks[i].outname, STB_GLOBAL, STT_FUNC, osyms[fn->outidx].osec,
			 fn->sym.st_value, fn->sym.st_size);
	}
}

/* Selects the content of OUT.o; issues are recorded in @ctx. */
void plan_output(struct context *ctx)
{
	struct object *post = ctx->post;
	size_t i;

	add_osym("", STB_LOCAL, STT_NOTYPE, -1, 0, 0);
	for (i = 1; i < post->nsyms; i++) {
		struct symbol *y = &post->syms[i];

		if (y->type != STT_FUNC || !y->sec || y->parent)
			continue;
		if (y->status == ST_CHANGED || y->status == ST_NEW) {
			include_section(y->sec);
			if (y->child)
				include_section(y->child->sec);
		}
	}
	for (i = 1; i < post->nsyms; i++)
		if (is_new_global_object(&post->syms[i]))
			include_section(post->syms[i].sec);
	include_callbacks(ctx);
	process_work(ctx);
	for (i = 0; i < special_count(); i++) {
		const struct special *sp = special_at(i);
		struct section *s = sp->site_width ? find_section(post, sp->name) : NULL;

		if (s)
			filter_special(ctx, sp, s);
	}
	process_work(ctx);
	check_unknown_sections(ctx);
}

static size_t add_string(char **tab, size_t *len, const char *s)
{
	size_t off = *len, l = strlen(s) + 1;

	*tab = realloc(*tab, *len + l);
	if (!*tab)
		err(2, "realloc");
	memcpy(*tab + off, s, l);
	*len += l;
	return off;
}

static Elf_Scn *new_section(Elf *elf, const char *name, char **shstr, size_t *shlen,
			    GElf_Shdr *sh, void *buf, size_t size, Elf_Type type)
{
	Elf_Scn *scn = elf_newscn(elf);
	Elf_Data *d = elf_newdata(scn);

	d->d_buf = buf;
	d->d_size = size;
	d->d_type = type;
	d->d_align = sh->sh_addralign ? sh->sh_addralign : 1;
	sh->sh_name = add_string(shstr, shlen, name);
	sh->sh_size = size;
	gelf_update_shdr(scn, sh);
	return scn;
}

static unsigned char *rela_bytes(struct orela *v, size_t n, bool (*pick)(struct orela *, void *),
				 void *arg, size_t *count)
{
	Elf64_Rela *out = xcalloc(n, sizeof(*out));
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (pick && !pick(&v[i], arg))
			continue;
		out[k].r_offset = v[i].off;
		out[k].r_info = ELF64_R_INFO(osyms[v[i].sym].idx, v[i].type);
		out[k].r_addend = v[i].addend;
		k++;
	}
	*count = k;
	return (unsigned char *)out;
}

/* Number of distinct objects the klp relocations of @o refer to. */
static size_t klp_objects(struct osec *o)
{
	size_t j, k, n = 0;

	for (j = 0; j < o->nklp; j++) {
		for (k = 0; k < j; k++)
			if (!strcmp(osyms[o->klp[k].sym].klp_obj, osyms[o->klp[j].sym].klp_obj))
				break;
		if (k == j)
			n++;
	}
	return n;
}

static bool klp_of_object(struct orela *r, void *obj)
{
	return !strcmp(osyms[r->sym].klp_obj, obj);
}

int write_output(struct context *ctx, const char *path)
{
	char *shstr = NULL, *strtab = NULL;
	size_t shlen = 0, strlen_ = 0, i, j, next, nlocal;
	Elf64_Sym *symtab;
	size_t symidx, stridx, nrelsecs = 0;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	Elf *elf;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		warn("%s", path);
		return -1;
	}
	elf = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!elf || !gelf_newehdr(elf, ELFCLASS64)) {
		warnx("%s: %s", path, elf_errmsg(-1));
		close(fd);
		return -1;
	}
	gelf_getehdr(elf, &eh);
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_REL;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	add_string(&shstr, &shlen, "");
	add_string(&strtab, &strlen_, "");

	/* Final symbol order: null, locals (sections first), globals. */
	next = 0;
	osyms[0].idx = next++;
	for (i = 1; i < nosyms; i++)
		if (osyms[i].type == STT_SECTION)
			osyms[i].idx = next++;
	for (i = 1; i < nosyms; i++)
		if (osyms[i].type != STT_SECTION && osyms[i].bind == STB_LOCAL)
			osyms[i].idx = next++;
	nlocal = next;
	for (i = 1; i < nosyms; i++)
		if (osyms[i].bind != STB_LOCAL)
			osyms[i].idx = next++;

	/* Content sections are numbered 1..nosecs. */
	for (i = 0; i < nosecs; i++) {
		struct osec *o = &osecs[i];

		sh = o->sh;
		sh.sh_link = 0;
		sh.sh_info = 0;
		sh.sh_addr = 0;
		sh.sh_flags &= ~(GElf_Xword)SHF_GROUP;
		o->idx = elf_ndxscn(new_section(elf, o->name, &shstr, &shlen, &sh, o->buf, o->size,
						ELF_T_BYTE));
		if (o->sh.sh_type == SHT_NOBITS) {
			Elf_Scn *scn = elf_getscn(elf, o->idx);

			elf_getdata(scn, NULL)->d_buf = NULL;
			sh.sh_size = o->size;
			gelf_update_shdr(scn, &sh);
		}
	}
	symidx = 1 + nosecs;
	for (i = 0; i < nosecs; i++) {
		struct osec *o = &osecs[i];

		if (o->nrelas)
			nrelsecs++;
		nrelsecs += klp_objects(o);
	}
	symidx += nrelsecs;
	stridx = symidx + 1;

	for (i = 0; i < nosecs; i++) {
		struct osec *o = &osecs[i];
		size_t count;
		unsigned char *buf;
		char *name;

		if (o->nrelas) {
			memset(&sh, 0, sizeof(sh));
			sh.sh_type = SHT_RELA;
			sh.sh_flags = SHF_INFO_LINK;
			sh.sh_link = symidx;
			sh.sh_info = o->idx;
			sh.sh_addralign = 8;
			sh.sh_entsize = sizeof(Elf64_Rela);
			buf = rela_bytes(o->relas, o->nrelas, NULL, NULL, &count);
			name = xasprintf(".rela%s", o->name);
			new_section(elf, name, &shstr, &shlen, &sh, buf, count * sizeof(Elf64_Rela),
				    ELF_T_BYTE);
		}
		/* one .klp.rela section per (object, section) */
		for (j = 0; j < o->nklp; j++) {
			const char *obj = osyms[o->klp[j].sym].klp_obj;
			size_t k;
			bool seen = false;

			for (k = 0; k < j; k++)
				if (!strcmp(osyms[o->klp[k].sym].klp_obj, obj))
					seen = true;
			if (seen)
				continue;
			memset(&sh, 0, sizeof(sh));
			sh.sh_type = SHT_RELA;
			sh.sh_flags = SHF_ALLOC | SHF_INFO_LINK | SHF_RELA_LIVEPATCH;
			sh.sh_link = symidx;
			sh.sh_info = o->idx;
			sh.sh_addralign = 8;
			sh.sh_entsize = sizeof(Elf64_Rela);
			buf = rela_bytes(o->klp, o->nklp, klp_of_object, (void *)obj, &count);
			name = xasprintf(".klp.rela.%s.%s", obj, o->name);
			new_section(elf, name, &shstr, &shlen, &sh, buf, count * sizeof(Elf64_Rela),
				    ELF_T_BYTE);
		}
	}
	symtab = xcalloc(nosyms, sizeof(*symtab));
	for (i = 1; i < nosyms; i++) {
		struct osym *s = &osyms[i];
		Elf64_Sym *e = &symtab[s->idx];

		e->st_name = s->type == STT_SECTION ? 0 : add_string(&strtab, &strlen_, s->name);
		e->st_info = ELF64_ST_INFO(s->bind, s->type);
		e->st_value = s->value;
		e->st_size = s->size;
		if (s->klp && !linkable)
			e->st_shndx = SHN_LIVEPATCH;
		else if (s->osec >= 0)
			e->st_shndx = osecs[s->osec].idx;
		else
			e->st_shndx = SHN_UNDEF;
	}
	memset(&sh, 0, sizeof(sh));
	sh.sh_type = SHT_SYMTAB;
	sh.sh_link = stridx;
	sh.sh_info = nlocal;
	sh.sh_addralign = 8;
	sh.sh_entsize = sizeof(Elf64_Sym);
	new_section(elf, ".symtab", &shstr, &shlen, &sh, symtab, nosyms * sizeof(Elf64_Sym),
		    ELF_T_BYTE);
	memset(&sh, 0, sizeof(sh));
	sh.sh_type = SHT_STRTAB;
	sh.sh_addralign = 1;
	new_section(elf, ".strtab", &shstr, &shlen, &sh, strtab, strlen_, ELF_T_BYTE);
	memset(&sh, 0, sizeof(sh));
	sh.sh_type = SHT_PROGBITS;
	sh.sh_addralign = 1;
	new_section(elf, ".note.GNU-stack", &shstr, &shlen, &sh, NULL, 0, ELF_T_BYTE);
	add_string(&shstr, &shlen, ".shstrtab");
	memset(&sh, 0, sizeof(sh));
	sh.sh_type = SHT_STRTAB;
	sh.sh_addralign = 1;
	{
		Elf_Scn *scn = elf_newscn(elf);
		Elf_Data *d = elf_newdata(scn);

		d->d_buf = shstr;
		d->d_size = shlen;
		d->d_type = ELF_T_BYTE;
		d->d_align = 1;
		sh.sh_name = shlen - strlen(".shstrtab") - 1;
		sh.sh_size = shlen;
		gelf_update_shdr(scn, &sh);
		eh.e_shstrndx = elf_ndxscn(scn);
	}
	gelf_update_ehdr(elf, &eh);
	if (elf_update(elf, ELF_C_WRITE) < 0) {
		warnx("%s: %s", path, elf_errmsg(-1));
		elf_end(elf);
		close(fd);
		return -1;
	}
	elf_end(elf);
	close(fd);
	return 0;
}

/* Relocation counts of the planned output. */
void count_relocations(struct context *ctx)
{
	size_t i;

	ctx->klp_relocs = 0;
	ctx->exported_relocs = 0;
	ctx->patch_relocs = 0;
	for (i = 0; i < nosecs; i++) {
		size_t j;

		ctx->klp_relocs += osecs[i].nklp_total;
		for (j = 0; j < osecs[i].nrelas; j++) {
			struct osym *y = &osyms[osecs[i].relas[j].sym];

			if (y->osec >= 0 || y->klp)
				continue;
			if (y->patch)
				ctx->patch_relocs++;
			else
				ctx->exported_relocs++;
		}
	}
}
