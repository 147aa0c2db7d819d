// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_direct_other - another direct user of klpx_target_version(),
 * as a BPF trampoline is: its fentry site calls a trampoline of ours,
 * which counts the call ("calls" parameter) and returns to wherever the
 * call goes on.  Like a BPF trampoline it lets an IPMODIFY user share the
 * function (ops_func), so klpx takes the ops path there.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/version.h>
#include <asm/ibt.h>
#include <asm/linkage.h>
#include <asm/nospec-branch.h>

#ifndef CALL_DEPTH_ACCOUNT
#define CALL_DEPTH_ACCOUNT ""
#endif

unsigned long klpx_test_direct_other_calls;
module_param_named(calls, klpx_test_direct_other_calls, ulong, 0444);
MODULE_PARM_DESC(calls, "calls of klpx_target_version() the trampoline saw");

void klpx_test_direct_other_tramp(void);
asm(
"	.pushsection .text, \"ax\", @progbits\n"
"	.type klpx_test_direct_other_tramp, @function\n"
"	.globl klpx_test_direct_other_tramp\n"
"klpx_test_direct_other_tramp:\n"
	ASM_ENDBR
	CALL_DEPTH_ACCOUNT
"	lock incq klpx_test_direct_other_calls(%rip)\n"
	ASM_RET
"	.size klpx_test_direct_other_tramp, .-klpx_test_direct_other_tramp\n"
"	.popsection\n"
);

static int other_ops_func(struct ftrace_ops *ops, enum ftrace_ops_cmd cmd)
{
	/* The trampoline goes on wherever the IPMODIFY user sends the call. */
	return 0;
}

static struct ftrace_ops other_ops = {
	.ops_func = other_ops_func,
};

#define OTHER_TRAMP ((unsigned long)klpx_test_direct_other_tramp)

static int __init other_init(void)
{
	static unsigned char name[] = "klpx_target_version";
	int ret;

	ret = ftrace_set_filter(&other_ops, name, sizeof(name) - 1, 0);
	if (ret) {
		pr_err("no klpx_target_version to trace: %d\n", ret);
		return ret;
	}
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	ret = register_ftrace_direct(&other_ops, OTHER_TRAMP);
#else
	ret = register_ftrace_direct_multi(&other_ops, OTHER_TRAMP);
#endif
	if (ret) {
		pr_err("cannot call the trampoline from klpx_target_version: %d\n",
		       ret);
		ftrace_free_filter(&other_ops);
	}
	return ret;
}

static void __exit other_exit(void)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	unregister_ftrace_direct(&other_ops, OTHER_TRAMP, true);
#else
	unregister_ftrace_direct_multi(&other_ops, OTHER_TRAMP);
	ftrace_free_filter(&other_ops);
#endif
}

module_init(other_init);
module_exit(other_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: another direct user of klpx_target_version()");
