/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86-64 instruction length decoding for kernel code (64-bit mode), shared by klpdiff and the
 * helper. The same rules as the verifier's InstructionDecoder (verifier-service, match/): legacy
 * prefixes, REX, the one-byte map, the 0f, 0f 38 and 0f 3a maps, ModRM/SIB/displacement,
 * immediates, VEX and EVEX. Relative branches are classified; other instructions are not named.
 */
#ifndef KHP_X86_INSN_H
#define KHP_X86_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define X86_INSN_MAX_LENGTH 15	/* architectural: a longer sequence faults (#GP) */

enum x86_branch { X86_NONE, X86_JMP, X86_JCC, X86_CALL, X86_LOOP, X86_LOOPE, X86_LOOPNE, X86_JRCXZ };

struct x86_insn {
	unsigned int length;
	enum x86_branch branch;
	unsigned int cond;	/* condition code of a JCC */
	int64_t disp;		/* displacement of a relative branch */
};

/*
 * Decodes the instruction at @off of @code, reading no byte at or after @end. False when the
 * bytes are not an instruction valid in 64-bit mode or run past @end.
 */
bool x86_insn_decode(const unsigned char *code, size_t off, size_t end, struct x86_insn *insn);

#endif
