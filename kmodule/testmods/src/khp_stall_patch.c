// SPDX-License-Identifier: GPL-2.0
/*
 * khp_stall_patch: a livepatch of khp_stall_sleep() in module khp_stall.
 * While khp_stall's kthread sleeps in that function, the transition cannot
 * finish: a real stall for the applier to detect and reverse.
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>

static int livepatch_khp_stall_sleep(void)
{
	pr_info("khp_stall_patch: patched khp_stall_sleep called\n");
	return 0;
}

static struct klp_func funcs[] = {
	{
		.old_name = "khp_stall_sleep",
		.new_func = livepatch_khp_stall_sleep,
	}, { }
};

static struct klp_object objs[] = {
	{
		.name = "khp_stall",
		.funcs = funcs,
	}, { }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int __init khp_stall_patch_init(void)
{
	return klp_enable_patch(&patch);
}

static void __exit khp_stall_patch_exit(void)
{
}

module_init(khp_stall_patch_init);
module_exit(khp_stall_patch_exit);
MODULE_DESCRIPTION("khp test livepatch of khp_stall_sleep()");
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
