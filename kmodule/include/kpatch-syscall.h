/* SPDX-License-Identifier: GPL-2.0 */
/* kpatch's syscall replacement macros on top of khp's (khp/patch.h). */
#ifndef _KHP_KPATCH_SYSCALL_H
#define _KHP_KPATCH_SYSCALL_H

#include "kpatch-macros.h"

#define KPATCH_SYSCALL_DEFINE0(name)		KHP_SYSCALL_DEFINE0(name)
#define KPATCH_SYSCALL_DEFINE1(name, ...)	KHP_SYSCALL_DEFINE1(name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE2(name, ...)	KHP_SYSCALL_DEFINE2(name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE3(name, ...)	KHP_SYSCALL_DEFINE3(name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE4(name, ...)	KHP_SYSCALL_DEFINE4(name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE5(name, ...)	KHP_SYSCALL_DEFINE5(name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE6(name, ...)	KHP_SYSCALL_DEFINE6(name, __VA_ARGS__)

#endif /* _KHP_KPATCH_SYSCALL_H */
