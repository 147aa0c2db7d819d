// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - /sys/kernel/debug/klpx/shadow_types and funcs
 *
 * shadow_types has one line per registered shadow id, in registration
 * order:
 *
 *	id=<id> name=<name> size=<bytes> refs=<registrations> live=<variables>
 *
 * followed by " version=<n>" when a registration of the id sets a version
 * (the highest of them).
 *
 * It is what a patch author looks at to see the handover (refs grows to 2
 * during an atomic replace that carries an id, then falls back to 1) and
 * the garbage collection (an id that disappears with its live variables).
 *
 * funcs has one line per redirected function, with the patches stacked on
 * it, the one whose code runs first:
 *
 *	func=<name> object=<vmlinux|module> patches=<newest>[,<older>...]
 *		path=<direct|ops>
 *
 * (one line; the path is how calls reach the newest patch's code, see
 * redirect.c).  It answers "who patches what" on a machine with stacked patches; a line
 * goes when the last patch on its function does.
 *
 * transition lists, while a switch waits, the tasks in its way (inway.c):
 *
 *	pid=<pid> comm=<comm> state=<state> func=<name>
 *	action=<waiting|signal-at=<s>|moved>
 *
 * and the tasks whose step is left to their own return to user mode
 * (defer.c), with the function they stood in when they asked:
 *
 *	pid=<pid> comm=<comm> state=<state> func=<name> patch=<patch>
 *	action=<deferred|taking>
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include "core.h"
#include "inway.h"
#include "../shadow/shadow.h"

static struct dentry *klpx_debugfs_dir;

static void klpx_shadow_types_line(const struct klpx_shadow_stat *st,
				   void *arg)
{
	seq_printf(arg, "id=0x%lx name=%s size=%zu refs=%u live=%zu",
		   st->id, st->name, st->size, st->refs, st->live);
	if (st->version)
		seq_printf(arg, " version=%u", st->version);
	seq_putc(arg, '\n');
}

static int shadow_types_show(struct seq_file *m, void *unused)
{
	klpx_shadow_walk_classes(klpx_shadow_types_line, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(shadow_types);

static int funcs_show(struct seq_file *m, void *unused)
{
	return klpx_redirect_show(m);
}
DEFINE_SHOW_ATTRIBUTE(funcs);

static int transition_show(struct seq_file *m, void *unused)
{
	klpx_inway_show(m);
	return klpx_defer_show(m);
}
DEFINE_SHOW_ATTRIBUTE(transition);

/* debugfs is a debugging aid: klpx works without it, errors are ignored. */
void klpx_debugfs_init(void)
{
	klpx_debugfs_dir = debugfs_create_dir("klpx", NULL);
	debugfs_create_file("shadow_types", 0444, klpx_debugfs_dir, NULL,
			    &shadow_types_fops);
	debugfs_create_file("funcs", 0444, klpx_debugfs_dir, NULL,
			    &funcs_fops);
	debugfs_create_file("transition", 0444, klpx_debugfs_dir, NULL,
			    &transition_fops);
}

void klpx_debugfs_exit(void)
{
	debugfs_remove_recursive(klpx_debugfs_dir);
}
