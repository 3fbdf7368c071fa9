// SPDX-License-Identifier: GPL-2.0
/*
 * Linked into every harness with --wrap=syscall: the helper's only raw
 * system calls are finit_module and delete_module, and a fuzzer must never
 * load or unload a module. They fail with EPERM instead.
 */
#include <errno.h>

long __wrap_syscall(long nr, ...);

long __wrap_syscall(long nr, ...)
{
	errno = EPERM;
	return -1;
}
