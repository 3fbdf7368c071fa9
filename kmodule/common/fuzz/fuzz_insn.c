// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of x86_insn_decode: every offset of the input is decoded; an instruction
 * found must lie inside the input and be at most 15 bytes, and the same bytes cut one short
 * must not decode.
 */
#include <stdlib.h>

#include "x86_insn.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	size_t off;

	for (off = 0; off < size; off++) {
		struct x86_insn insn, cut;

		if (!x86_insn_decode(data, off, size, &insn))
			continue;
		if (!insn.length || insn.length > X86_INSN_MAX_LENGTH || off + insn.length > size)
			abort();
		if (x86_insn_decode(data, off, off + insn.length - 1, &cut))
			abort();
	}
	return 0;
}
