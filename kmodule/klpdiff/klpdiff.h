/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klpdiff: pre/post object diff and livepatch object writer.
 */
#ifndef KLPDIFF_H
#define KLPDIFF_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef SHF_RELA_LIVEPATCH
#define SHF_RELA_LIVEPATCH 0x00100000
#endif
#ifndef SHN_LIVEPATCH
#define SHN_LIVEPATCH 0xff20
#endif

#define KHP_PREFIX "khp_new_"

enum status { ST_NONE, ST_SAME, ST_CHANGED, ST_NEW };

struct symbol;

struct rela {
	struct section *sec;	/* the section the relocation applies to */
	uint64_t offset;
	uint32_t type;
	int64_t addend;
	struct symbol *sym;
	/*
	 * In code: bytes from the relocated field to the end of its instruction (4 for most
	 * rip-relative operands, 5 when an imm8 follows, ...), -1 when not decoded.
	 */
	int insn_tail;
};

struct object;

struct section {
	struct object *obj;
	size_t index;
	const char *name;
	GElf_Shdr sh;
	unsigned char *data;	/* NULL for SHT_NOBITS */
	struct rela *relas;
	size_t nrelas;
	struct section *relsec;	/* the SHT_RELA section applying to this one */
	struct section *base;	/* for a SHT_RELA section: its target */
	struct symbol **syms;	/* function/object symbols defined here */
	size_t nsyms;
	struct symbol *secsym;
	size_t entsize;		/* special sections: derived entry size (entry_size()) */
	/* output state */
	bool include;
	int outidx;
};

struct symbol {
	size_t index;
	const char *name;
	GElf_Sym sym;
	unsigned char type, bind;
	struct section *sec;	/* NULL when undefined, absolute, common */
	char *key;		/* correlation key */
	struct symbol *twin;
	enum status status;
	struct symbol *parent;	/* for foo.cold: foo */
	struct symbol *child;	/* foo's .cold part */
	bool include;
	bool static_key;	/* referenced as a key from __jump_table */
	bool ignored;		/* KHP_IGNORE_FUNCTION */
	bool line_only;		/* differs from its twin only in line numbers */
	char *outname;
	int outidx;
};

struct object {
	const char *path;
	int fd;
	Elf *elf;
	size_t nsecs;
	struct section *secs;
	size_t nsyms;
	struct symbol *syms;
	size_t shstrndx;
};

struct sympos {
	char *name;
	unsigned long pos;
};

struct symvers {
	char **names;		/* sorted */
	size_t n;
};

struct issue {
	const char *reason;
	char *message;
	const char *symbol;
	const char *section;
};

/* A livepatch callback of the object (KHP_*_CALLBACK). */
struct callback {
	const char *kind;	/* pre_patch, post_patch, pre_unpatch, post_unpatch */
	struct symbol *func;	/* in POST.o */
	char *outname;		/* global alias in OUT.o */
};

struct context {
	struct object *pre, *post;
	const char *objname;
	const char *source_file;
	struct symvers symvers;
	struct symvers patch_syms;	/* defined by other parts of the livepatch */
	struct sympos *sympos;
	size_t nsympos;
	struct issue *issues;
	size_t nissues;
	unsigned long klp_relocs, exported_relocs, patch_relocs;
	struct callback *callbacks;
	size_t ncallbacks;
	char **ignored_sections;
	size_t nignored_sections;
};

/* How a runtime table's entries relate to code; see special.c. */
enum site_length {
	SITE_LEN_NONE = 0,
	SITE_LEN_BRANCH = 100,	/* jmp/call/jcc rel32 at the site: 5 or 6 */
	SITE_LEN_JUMP_LABEL,	/* a jump label's jmp or nop: 2 or 5 */
	SITE_LEN_FIELD,		/* a byte of the entry (len_field) */
};

struct special {
	const char *name;
	unsigned int site_width;	/* bytes of the site field at offset 0; 0: no site */
	const char *wildcard;		/* kind of the site in the report; NULL: not a wildcard */
	unsigned int site_len;		/* bytes rewritten at the site, or an enum site_length */
	unsigned int len_field;		/* SITE_LEN_FIELD: offset of that byte */
	unsigned int repl_field;	/* offset of a pointer to replacement code (alternatives) */
	unsigned int repl_len_field;	/* offset of the replacement's length byte */
	unsigned int key_field;		/* offset of a key pointer (flags in its low 2 bits) */
	bool key_is_static_key;		/* the key is a struct static_key */
	unsigned int line_field;	/* offset of a line number of line_bits bits */
	unsigned int line_bits;
	bool compared;			/* entries are part of their function's identity */
	bool referenced;		/* entries are referenced by code (not a site table) */
	const char *companion;		/* a parallel table with the same number of entries */
	const char *refuse_new;		/* new entries cannot be carried: why, for the user */
};

/*
 * @a + @b wrapping around like the hardware: addends come from the input and may be anything
 * (signed overflow would be undefined).
 */
static inline int64_t add_wrap(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* Is [off, off + len) inside [0, size)? (without wrapping around) */
static inline bool in_range(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* special.c */
size_t special_count(void);
const struct special *special_at(size_t i);
const struct special *special_of(const char *name);
bool is_special_section(const struct section *s);
size_t entry_size(struct section *s);
void check_special_layouts(struct context *ctx, struct object *obj);
bool entry_site(struct section *s, uint64_t off, struct symbol **sym, int64_t *addend);
size_t entries_in_function(struct section *s, struct symbol *f, uint64_t **out);
unsigned long entry_line(const struct special *sp, struct section *s, uint64_t off);

/* elfobj.c */
struct object *object_open(const char *path);
void object_close(struct object *obj);
bool is_pcrel(uint32_t type);
bool takes_address(const struct rela *r);
const char *rela_type_name(uint32_t type);
struct symbol *covering_symbol(struct section *sec, int64_t off);
int cmp_rela_off(const void *a, const void *b);
struct symbol *resolve_target(const struct rela *r, int64_t *addend);
bool is_string_section(const struct section *sec);
bool is_text_section(const struct section *sec);
bool is_data_section(const struct section *sec);
bool is_init_section(const struct section *sec);
struct section *find_section(struct object *obj, const char *name);
char *xstrdup(const char *s);
void *xcalloc(size_t n, size_t size);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* diff.c */
void correlate(struct context *ctx);
void compare(struct context *ctx);
void check_patchability(struct context *ctx);
void add_issue(struct context *ctx, const char *reason, const char *symbol,
	       const char *section, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
unsigned long sympos_of(const struct context *ctx, const char *name);
bool symvers_has(const struct symvers *sv, const char *name);
int load_symvers(struct symvers *sv, const char *path);
int load_names(struct symvers *sv, const char *path);
int load_sympos(struct context *ctx, const char *path);
bool fentry_offset(struct symbol *func, uint64_t *off);
char *new_name(const struct symbol *sym);

/* patchapi.c */
bool is_patch_api_section(const struct section *sec);
void read_patch_api(struct context *ctx);
bool is_ignored_section(const struct context *ctx, const struct section *sec);
void apply_ignores(struct context *ctx);

/* output.c */
void set_linkable(bool on);
bool is_new_global_object(const struct symbol *y);
void plan_output(struct context *ctx);
void count_relocations(struct context *ctx);
int write_output(struct context *ctx, const char *path);

/* finalize.c */
int finalize_module(const char *path);

/* report.c */
int write_report(struct context *ctx, const char *path);

#endif
