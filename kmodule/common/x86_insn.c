// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "x86_insn.h"

/* Each helper returns the length from the instruction's start, or -1 when undecodable. */

static long immediate(size_t off, size_t i, size_t limit, size_t bytes)
{
	return i + bytes <= limit ? (long)(i + bytes - off) : -1;
}

static long modrm_and_immediate(const unsigned char *c, size_t off, size_t i, size_t limit,
				size_t imm)
{
	unsigned int m, mod, rm, base;

	if (i >= limit)
		return -1;
	m = c[i++];
	mod = m >> 6;
	rm = m & 7;
	if (mod != 3) {
		base = rm;
		if (rm == 4) {
			if (i >= limit)
				return -1;
			base = c[i++] & 7;
		}
		if (mod == 1)
			i += 1;
		else if (mod == 2 || (mod == 0 && (rm == 5 || (rm == 4 && base == 5))))
			i += 4;	/* disp32, rip-relative when rm is 5 */
	}
	return immediate(off, i, limit, imm);
}

static bool is_legacy_prefix(unsigned int b)
{
	switch (b) {
	case 0xf0: case 0xf2: case 0xf3: case 0x2e: case 0x36: case 0x3e:
	case 0x26: case 0x64: case 0x65: case 0x66: case 0x67:
		return true;
	default:
		return false;
	}
}

static long one_byte(const unsigned char *c, size_t off, size_t i, size_t limit, unsigned int op,
		     bool operand16, bool address32, bool rex_w)
{
	size_t immz = operand16 ? 2 : 4;

	if (op < 0x40) {
		unsigned int low = op & 7;

		if (low <= 3)
			return modrm_and_immediate(c, off, i, limit, 0);
		if (low == 4)
			return immediate(off, i, limit, 1);
		if (low == 5)
			return immediate(off, i, limit, immz);
		return -1;	/* segment push/pop, daa/das/aaa/aas; prefixes were taken before */
	}
	if (op >= 0x50 && op <= 0x5f)
		return (long)(i - off);
	if (op >= 0x90 && op <= 0x9f)
		return op == 0x9a ? -1 : (long)(i - off);
	if (op >= 0xb0 && op <= 0xb7)
		return immediate(off, i, limit, 1);
	if (op >= 0xb8 && op <= 0xbf)
		return immediate(off, i, limit, rex_w ? 8 : immz);
	if (op >= 0xd8 && op <= 0xdf)
		return modrm_and_immediate(c, off, i, limit, 0);	/* x87 */
	switch (op) {
	case 0x63: case 0x84: case 0x85: case 0x86: case 0x87: case 0x88: case 0x89: case 0x8a:
	case 0x8b: case 0x8c: case 0x8d: case 0x8e: case 0x8f: case 0xd0: case 0xd1: case 0xd2:
	case 0xd3: case 0xfe: case 0xff:
		return modrm_and_immediate(c, off, i, limit, 0);
	case 0x69: case 0x81: case 0xc7:
		return modrm_and_immediate(c, off, i, limit, immz);
	case 0x6b: case 0x80: case 0x83: case 0xc0: case 0xc1: case 0xc6:
		return modrm_and_immediate(c, off, i, limit, 1);
	case 0xf6: case 0xf7: {
		unsigned int reg;

		if (i >= limit)
			return -1;
		reg = (c[i] >> 3) & 7;
		/* test r/m, imm has an immediate; not, neg, mul, imul, div, idiv have none */
		return modrm_and_immediate(c, off, i, limit,
					   reg <= 1 ? (op == 0xf6 ? 1 : immz) : 0);
	}
	case 0x68: case 0xa9:
		return immediate(off, i, limit, immz);
	case 0x6a: case 0xa8: case 0xcd: case 0xe4: case 0xe5: case 0xe6: case 0xe7:
		return immediate(off, i, limit, 1);
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		return immediate(off, i, limit, address32 ? 4 : 8);	/* mov moffs */
	case 0xc2: case 0xca:
		return immediate(off, i, limit, 2);
	case 0xc8:
		return immediate(off, i, limit, 3);	/* enter imm16, imm8 */
	case 0x6c: case 0x6d: case 0x6e: case 0x6f: case 0xa4: case 0xa5: case 0xa6: case 0xa7:
	case 0xaa: case 0xab: case 0xac: case 0xad: case 0xae: case 0xaf: case 0xc3: case 0xc9:
	case 0xcb: case 0xcc: case 0xcf: case 0xd7: case 0xec: case 0xed: case 0xee: case 0xef:
	case 0xf1: case 0xf4: case 0xf5: case 0xf8: case 0xf9: case 0xfa: case 0xfb: case 0xfc:
	case 0xfd:
		return (long)(i - off);
	default:
		return -1;	/* 60-62 (62 is EVEX), 82, ce, d4-d6, ea */
	}
}

static long two_byte(const unsigned char *c, size_t off, size_t i, size_t limit, unsigned int op)
{
	if ((op >= 0x10 && op <= 0x23) || (op >= 0x28 && op <= 0x2f) ||
	    (op >= 0x40 && op <= 0x6f) || (op >= 0x74 && op <= 0x76) || op == 0x78 || op == 0x79 ||
	    (op >= 0x7c && op <= 0x7f) || (op >= 0x90 && op <= 0x9f) || (op >= 0xd0 && op <= 0xff) ||
	    (op >= 0xb0 && op <= 0xb9) || (op >= 0xbb && op <= 0xc1))
		return modrm_and_immediate(c, off, i, limit, 0);
	if ((op >= 0xc8 && op <= 0xcf) || (op >= 0x30 && op <= 0x35) || op == 0x37)
		return (long)(i - off);	/* bswap, wrmsr, rdtsc, rdmsr, rdpmc, sysenter, sysexit, getsec */
	switch (op) {
	case 0x00: case 0x01: case 0x02: case 0x03: case 0x0d: case 0xa3: case 0xa5: case 0xab:
	case 0xad: case 0xae: case 0xaf: case 0xc3: case 0xc7:
		return modrm_and_immediate(c, off, i, limit, 0);
	case 0x70: case 0x71: case 0x72: case 0x73: case 0xa4: case 0xac: case 0xba: case 0xc2:
	case 0xc4: case 0xc5: case 0xc6: case 0x0f:	/* 0f 0f: the 3DNow! suffix byte */
		return modrm_and_immediate(c, off, i, limit, 1);
	case 0x05: case 0x06: case 0x07: case 0x08: case 0x09: case 0x0b: case 0x0e: case 0x77:
	case 0xa0: case 0xa1: case 0xa2: case 0xa8: case 0xa9: case 0xaa:
		return (long)(i - off);
	default:
		return -1;
	}
}

static long vector_opcode(const unsigned char *c, size_t off, size_t i, size_t limit,
			  unsigned int map)
{
	unsigned int op = c[i++];

	switch (map) {
	case 1:
		if (op == 0x77)
			return (long)(i - off);	/* vzeroupper / vzeroall: no ModRM */
		return modrm_and_immediate(c, off, i, limit,
					   (op >= 0x70 && op <= 0x73) || op == 0xc2 || op == 0xc4 ||
					   op == 0xc5 || op == 0xc6);
	case 2:
		return modrm_and_immediate(c, off, i, limit, 0);
	case 3:
		return modrm_and_immediate(c, off, i, limit, 1);
	default:
		return -1;
	}
}

/* VEX: c5 RvvvvLpp (map 0f) or c4 RXBmmmmm WvvvvLpp, then the opcode and ModRM. */
static long vex(const unsigned char *c, size_t off, size_t i, size_t limit, bool three_byte)
{
	unsigned int map = 1;

	if (three_byte) {
		if (i >= limit)
			return -1;
		map = c[i] & 0x1f;
		i += 2;
	} else {
		i += 1;
	}
	if (i >= limit)
		return -1;
	return vector_opcode(c, off, i, limit, map);
}

/* EVEX: 62 P0 P1 P2, the map in P0's low bits (disp8 is scaled, not longer). */
static long evex(const unsigned char *c, size_t off, size_t i, size_t limit)
{
	if (i + 3 >= limit || !(c[i + 1] & 0x04))	/* P1 bit 2 is fixed to 1 */
		return -1;
	return vector_opcode(c, off, i + 3, limit, c[i] & 0x07);
}

static int32_t read_s32(const unsigned char *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static enum x86_branch branch_of(unsigned int op)
{
	switch (op) {
	case 0xeb: case 0xe9: return X86_JMP;
	case 0xe8: return X86_CALL;
	case 0xe0: return X86_LOOPNE;
	case 0xe1: return X86_LOOPE;
	case 0xe2: return X86_LOOP;
	case 0xe3: return X86_JRCXZ;
	default: return X86_JCC;
	}
}

bool x86_insn_decode(const unsigned char *c, size_t off, size_t end, struct x86_insn *insn)
{
	size_t limit = end < off + X86_INSN_MAX_LENGTH ? end : off + X86_INSN_MAX_LENGTH;
	size_t i = off, rel = 0;
	bool operand16 = false, address32 = false, prefixed = false, rex_w = false;
	unsigned int op, op2;
	long len;

	memset(insn, 0, sizeof(*insn));
	if (off >= end)
		return false;
	while (i < limit && is_legacy_prefix(c[i])) {
		operand16 |= c[i] == 0x66;
		address32 |= c[i] == 0x67;
		prefixed = true;
		i++;
	}
	if (i < limit && (c[i] & 0xf0) == 0x40) {
		rex_w = c[i] & 0x08;
		prefixed = true;
		i++;
	}
	if (i >= limit)
		return false;
	op = c[i++];
	switch (op) {
	case 0x0f:
		if (i >= limit)
			return false;
		op2 = c[i++];
		if (op2 == 0x38 || op2 == 0x3a) {
			/* three-byte maps: every opcode has ModRM; those of 0f 3a an imm8 */
			len = i < limit ? modrm_and_immediate(c, off, i + 1, limit, op2 == 0x3a) : -1;
		} else if ((op2 & 0xf0) == 0x80) {
			len = immediate(off, i, limit, 4);
			if (len > 0 && !prefixed) {
				insn->branch = X86_JCC;
				insn->cond = op2 & 0x0f;
				insn->disp = read_s32(c + i);
			}
		} else {
			len = two_byte(c, off, i, limit, op2);
		}
		break;
	case 0xc4:
	case 0xc5:
		len = vex(c, off, i, limit, op == 0xc4);
		break;
	case 0x62:
		len = evex(c, off, i, limit);
		break;
	default:
		if ((op & 0xf0) == 0x70 || op == 0xeb || (op >= 0xe0 && op <= 0xe3))
			rel = 1;
		else if (op == 0xe8 || op == 0xe9)
			rel = 4;
		if (rel) {
			len = immediate(off, i, limit, rel);
			if (len > 0 && !prefixed) {
				insn->branch = branch_of(op);
				insn->cond = (op & 0xf0) == 0x70 ? op & 0x0f : 0;
				insn->disp = rel == 1 ? (int8_t)c[i] : read_s32(c + i);
			}
		} else {
			len = one_byte(c, off, i, limit, op, operand16, address32, rex_w);
		}
	}
	if (len <= 0)
		return false;
	insn->length = (unsigned int)len;
	return true;
}
