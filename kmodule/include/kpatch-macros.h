/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpatch's patch macros on top of khp's patch API (khp/patch.h), so that patches written for
 * kpatch-build build unchanged.
 */
#ifndef _KHP_KPATCH_MACROS_H
#define _KHP_KPATCH_MACROS_H

#include <khp/patch.h>
#include "kpatch-syscall.h"

typedef struct klp_object patch_object;

#define KPATCH_PRE_PATCH_CALLBACK(fn)		KHP_PRE_PATCH_CALLBACK(fn)
#define KPATCH_POST_PATCH_CALLBACK(fn)		KHP_POST_PATCH_CALLBACK(fn)
#define KPATCH_PRE_UNPATCH_CALLBACK(fn)		KHP_PRE_UNPATCH_CALLBACK(fn)
#define KPATCH_POST_UNPATCH_CALLBACK(fn)	KHP_POST_UNPATCH_CALLBACK(fn)

#define KPATCH_IGNORE_SECTION(name)		KHP_IGNORE_SECTION(name)
#define KPATCH_IGNORE_FUNCTION(fn)		KHP_IGNORE_FUNCTION(fn)
#define KPATCH_FORCE_UNSAFE(fn)			KHP_FORCE_UNSAFE(fn)

#define KPATCH_PRINTK(fmt, ...)			KHP_PRINTK(fmt, ##__VA_ARGS__)
#define KPATCH_PRINTK_DEFERRED(fmt, ...)	KHP_PRINTK_DEFERRED(fmt, ##__VA_ARGS__)

#endif /* _KHP_KPATCH_MACROS_H */
