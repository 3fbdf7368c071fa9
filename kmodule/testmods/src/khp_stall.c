// SPDX-License-Identifier: GPL-2.0
/*
 * khp_stall: a kthread that can be parked inside a known function, so that
 * a livepatch of that function cannot finish its transition.
 *
 *   echo 1 > /sys/module/khp_stall/parameters/stall    park the thread in
 *                                                      khp_stall_sleep()
 *   cat /sys/module/khp_stall/parameters/stalled       1 once it sleeps there
 *   echo 0 > /sys/module/khp_stall/parameters/stall    release it
 *
 *   echo 1 > /sys/module/khp_stall/parameters/stall_kernel
 *                                      keep the thread sleeping in vmlinux's
 *                                      msleep_interruptible() (stalls a
 *                                      livepatch of that kernel function;
 *                                      `stalled_kernel` reads 1 meanwhile)
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(khp_stall_wq);
static struct task_struct *khp_stall_task;
static bool stall;
static bool stalled;
static bool stall_kernel;
static bool stalled_kernel;

static int stall_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (!ret)
		wake_up_all(&khp_stall_wq);
	return ret;
}

static const struct kernel_param_ops stall_ops = {
	.set = stall_set,
	.get = param_get_bool,
};
module_param_cb(stall, &stall_ops, &stall, 0644);
MODULE_PARM_DESC(stall, "1: park the kthread in khp_stall_sleep(); 0: release it");
module_param_cb(stall_kernel, &stall_ops, &stall_kernel, 0644);
MODULE_PARM_DESC(stall_kernel, "1: keep the kthread sleeping in msleep_interruptible(); 0: release it");
module_param(stalled_kernel, bool, 0444);
MODULE_PARM_DESC(stalled_kernel, "1 while the kthread loops in msleep_interruptible()");
module_param(stalled, bool, 0444);
MODULE_PARM_DESC(stalled, "1 while the kthread sleeps in khp_stall_sleep()");

/* The function a livepatch replaces; the kthread sleeps inside it. */
noinline int khp_stall_sleep(void)
{
	WRITE_ONCE(stalled, true);
	wait_event_interruptible(khp_stall_wq,
				 !READ_ONCE(stall) || kthread_should_stop());
	WRITE_ONCE(stalled, false);
	return 0;
}

static int khp_stall_thread(void *data)
{
	while (!kthread_should_stop()) {
		wait_event_interruptible(khp_stall_wq,
					 READ_ONCE(stall) ||
					 READ_ONCE(stall_kernel) ||
					 kthread_should_stop());
		if (kthread_should_stop())
			break;
		if (READ_ONCE(stall))
			khp_stall_sleep();
		/*
		 * A kthread ignores livepatch's fake signal: it goes back to
		 * sleep inside msleep_interruptible() until released.
		 */
		while (READ_ONCE(stall_kernel) && !kthread_should_stop()) {
			WRITE_ONCE(stalled_kernel, true);
			msleep_interruptible(100);
		}
		WRITE_ONCE(stalled_kernel, false);
	}
	return 0;
}

static int __init khp_stall_init(void)
{
	khp_stall_task = kthread_run(khp_stall_thread, NULL, "khp_stall");
	if (IS_ERR(khp_stall_task))
		return PTR_ERR(khp_stall_task);
	return 0;
}

static void __exit khp_stall_exit(void)
{
	WRITE_ONCE(stall, false);
	WRITE_ONCE(stall_kernel, false);
	kthread_stop(khp_stall_task);
}

module_init(khp_stall_init);
module_exit(khp_stall_exit);
MODULE_DESCRIPTION("khp test module: a kthread that stalls in a known function");
MODULE_LICENSE("GPL");
