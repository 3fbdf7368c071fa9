/* SPDX-License-Identifier: GPL-2.0 */
/*
 * khp's patch API: what a livepatch needs that a source diff cannot say.
 *
 * The builder compiles the patched ('post') files with this directory on the include path;
 * klpdiff reads the records these macros leave in POST.o (sections .khp.*) and none of those
 * sections reaches the livepatch module. See the top-level README, "Writing a patch".
 */
#ifndef _KHP_PATCH_H
#define _KHP_PATCH_H

#include <linux/compiler.h>
#include <linux/jiffies.h>
#include <linux/livepatch.h>
#include <linux/printk.h>
#include <linux/syscalls.h>

/*
 * Callbacks of the patched object the file belongs to (vmlinux, or the module the file is
 * compiled into): struct klp_callbacks of that klp_object. At most one of each kind per
 * object. A pre-patch callback returning an error stops that object from being patched:
 * for vmlinux, or a module already loaded, the livepatch does not load.
 */
typedef int (*khp_pre_patch_t)(struct klp_object *obj);
typedef void (*khp_post_patch_t)(struct klp_object *obj);
typedef void (*khp_pre_unpatch_t)(struct klp_object *obj);
typedef void (*khp_post_unpatch_t)(struct klp_object *obj);

#define __KHP_CALLBACK(kind, fn)						\
	static khp_##kind##_t __khp_callback_##kind __used			\
		__section(".khp.callbacks." #kind) = (fn)

#define KHP_PRE_PATCH_CALLBACK(fn)	__KHP_CALLBACK(pre_patch, fn)
#define KHP_POST_PATCH_CALLBACK(fn)	__KHP_CALLBACK(post_patch, fn)
#define KHP_PRE_UNPATCH_CALLBACK(fn)	__KHP_CALLBACK(pre_unpatch, fn)
#define KHP_POST_UNPATCH_CALLBACK(fn)	__KHP_CALLBACK(post_unpatch, fn)

/*
 * Left out of the diff: a function whose code changed only as a side effect (e.g. a line
 * number embedded by WARN), or every function and object of a section. They stay as they
 * are in the running kernel.
 */
#define KHP_IGNORE_FUNCTION(fn)							\
	static void *__khp_ignore_function_##fn __used				\
		__section(".khp.ignore.functions") = (fn)

#define KHP_IGNORE_SECTION(name)						\
	static const char *__UNIQUE_ID(khp_ignore_section_) __used		\
		__section(".khp.ignore.sections") = (name)

/*
 * Refused by the builder (FORCE_UNSAFE): livepatch switches every task by its consistency
 * model and has no per-function way around it.
 */
#define KHP_FORCE_UNSAFE(fn)							\
	static void *__khp_force_unsafe_##fn __used				\
		__section(".khp.force_unsafe") = (fn)

/*
 * printk on a path of its own: a direct call of the __cold printk makes gcc treat the
 * surrounding path as unlikely and move or uninline code that the patch did not change.
 */
#define KHP_PRINTK(fmt, ...)							\
	({ if (READ_ONCE(jiffies)) printk(fmt, ##__VA_ARGS__); })
#define KHP_PRINTK_DEFERRED(fmt, ...)						\
	({ if (READ_ONCE(jiffies)) printk_deferred(fmt, ##__VA_ARGS__); })

/*
 * A new body for an existing syscall: replace SYSCALL_DEFINEn(name, ...) by
 * KHP_SYSCALL_DEFINEn(name, ...). The entry points are the target tree's own x86-64
 * wrappers (asm/syscall_wrapper.h: __x64_sys_<name>, __ia32_sys_<name> with
 * IA32_EMULATION, static __se_sys_<name>), so they correlate with the running kernel's and
 * are the functions patched. SYSCALL_DEFINE makes __do_sys_<name> inline, hence notrace and
 * not patchable by itself; here it is always inlined into __se_sys_<name>, so its new body
 * lives in the patched wrappers. No syscall metadata is emitted: the running kernel keeps
 * its own.
 */
#if !defined(CONFIG_X86_64) || !defined(__X64_SYS_STUBx) || !defined(__X64_SYS_STUB0)
#error "khp: KHP_SYSCALL_DEFINE needs the x86-64 pt_regs syscall wrappers (asm/syscall_wrapper.h)"
#endif

#define KHP_SYSCALL_DEFINE0(sname)						\
	static long __do_sys_##sname(const struct pt_regs *__unused);		\
	__X64_SYS_STUB0(sname)							\
	__IA32_SYS_STUB0(sname)							\
	static long __do_sys_##sname(const struct pt_regs *__unused)

#define KHP_SYSCALL_DEFINE1(name, ...) __KHP_SYSCALL_DEFINEx(1, _##name, __VA_ARGS__)
#define KHP_SYSCALL_DEFINE2(name, ...) __KHP_SYSCALL_DEFINEx(2, _##name, __VA_ARGS__)
#define KHP_SYSCALL_DEFINE3(name, ...) __KHP_SYSCALL_DEFINEx(3, _##name, __VA_ARGS__)
#define KHP_SYSCALL_DEFINE4(name, ...) __KHP_SYSCALL_DEFINEx(4, _##name, __VA_ARGS__)
#define KHP_SYSCALL_DEFINE5(name, ...) __KHP_SYSCALL_DEFINEx(5, _##name, __VA_ARGS__)
#define KHP_SYSCALL_DEFINE6(name, ...) __KHP_SYSCALL_DEFINEx(6, _##name, __VA_ARGS__)

#define __KHP_SYSCALL_DEFINEx(x, name, ...)					\
	static long __se_sys##name(__MAP(x, __SC_LONG, __VA_ARGS__));		\
	static __always_inline long __do_sys##name(__MAP(x, __SC_DECL, __VA_ARGS__)); \
	__X64_SYS_STUBx(x, name, __VA_ARGS__)					\
	__IA32_SYS_STUBx(x, name, __VA_ARGS__)					\
	static long __se_sys##name(__MAP(x, __SC_LONG, __VA_ARGS__))		\
	{									\
		long ret = __do_sys##name(__MAP(x, __SC_CAST, __VA_ARGS__));	\
		__MAP(x, __SC_TEST, __VA_ARGS__);				\
		__PROTECT(x, ret, __MAP(x, __SC_ARGS, __VA_ARGS__));		\
		return ret;							\
	}									\
	static __always_inline long __do_sys##name(__MAP(x, __SC_DECL, __VA_ARGS__))

#endif /* _KHP_PATCH_H */
