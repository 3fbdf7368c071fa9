// SPDX-License-Identifier: GPL-2.0
/*
 * khp_lp_cmdline: a hand-written livepatch of vmlinux's cmdline_proc_show():
 * /proc/cmdline then reads "khp_lp_cmdline: live patched".
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static int livepatch_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "khp_lp_cmdline: live patched\n");
	return 0;
}

static struct klp_func funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = livepatch_cmdline_proc_show,
	}, { }
};

static struct klp_object objs[] = {
	{
		/* name NULL: vmlinux */
		.funcs = funcs,
	}, { }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int __init khp_lp_cmdline_init(void)
{
	return klp_enable_patch(&patch);
}

static void __exit khp_lp_cmdline_exit(void)
{
}

module_init(khp_lp_cmdline_init);
module_exit(khp_lp_cmdline_exit);
MODULE_DESCRIPTION("khp test livepatch: /proc/cmdline shows a marker");
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
