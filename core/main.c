// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - klpx.ko: live patches with garbage-collected shadow variables.
 *
 * The shadow library (shadow/) needs no set-up; the core creates
 * /sys/kernel/klpx and the debugfs view, and listens to module loads.
 * What it needs of the kernel that is not exported, the module loader
 * resolved before this init ran (see kallsyms.c).  klpx.ko cannot be removed while a patch module
 * is loaded (they link against it), so at exit no patch is enabled.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/module.h>
#include "core.h"
#include "../shadow/shadow.h"

/* What the switch asks of the teardowns and deferred steps above it. */
static const struct klpx_switch_ops klpx_switch_lifecycle = {
	.teardown_of = klpx_teardown_of,
	.teardown_may_report = klpx_teardown_may_report,
	.defer_running = klpx_defer_running,
	.defer_pending = klpx_defer_pending,
};

static int __init klpx_init(void)
{
	int ret;

	klpx_switch_set_ops(&klpx_switch_lifecycle);
	ret = klpx_sysfs_init();
	if (ret) {
		pr_err("cannot create /sys/kernel/klpx: %pe\n", ERR_PTR(ret));
		return ret;
	}
	ret = klpx_module_init();
	if (ret) {
		pr_err("cannot listen to module loads: %pe\n", ERR_PTR(ret));
		goto err_sysfs;
	}
	klpx_debugfs_init();
	return 0;

err_sysfs:
	klpx_sysfs_exit();
	return ret;
}

static void __exit klpx_exit(void)
{
	/* A writer of "enabled" may still be releasing a patch it disabled. */
	klpx_patch_wait_released();
	klpx_redirect_exit();
	klpx_debugfs_exit();
	klpx_module_exit();
	klpx_sysfs_exit();
	/* Last: waits for the shadow frees still in flight. */
	klpx_shadow_exit();
}

module_init(klpx_init);
module_exit(klpx_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Live patches with garbage-collected shadow variables");
