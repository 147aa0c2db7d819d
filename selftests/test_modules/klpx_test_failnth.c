// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_test_failnth - make the Nth memory allocation of one klpx enable
 * fail, and tell which allocations of a failed enable were never freed.
 *
 * The kernel's own fail-nth (/proc/<pid>/task/<tid>/fail-nth, failslab,
 * fail_page_alloc) needs CONFIG_FAULT_INJECTION, which Debian's kernels do
 * not have.  This module does the same with kretprobes, which they do
 * have: on the entry points of the slab and page allocators, counting only
 * the allocations made in task context by one task while it is inside
 * klpx_enable_patch(), and only the outermost one when allocators nest.
 * The Nth such allocation is completed, freed at once and reported to its
 * caller as a failure (NULL).  Allocations that may not fail
 * (__GFP_NOFAIL) are not counted.
 *
 * Every allocation of the armed enable that succeeded is remembered, and
 * forgotten again when it is freed, whoever frees it, in any context:
 * kfree and kmem_cache_free through their tracepoints, which fire even
 * inside another probe's handler (a kprobe there is skipped and counted
 * as missed), kmem_cache_free_bulk and __free_pages, which have none,
 * through kprobes.  After a failed enable, what is left is a leak, listed
 * with its caller; "missed=" says how many frees the kprobes skipped.
 *
 * /sys/kernel/debug/klpx_test_failnth/ctl takes:
 *   arm N     the writing task's next enable fails its Nth allocation
 *             (then exec the insmod of the patch from the same task)
 *   disarm    count nothing any more
 *   settle    wait for pending RCU and RCU-tasks callbacks (frees deferred
 *             by RCU, as ftrace's filters, or by RCU-tasks, as the table of
 *             direct calls that a direct registration replaces)
 * /sys/kernel/debug/klpx_test_failnth/state reads:
 *   nth=N counted=C injected=0|1 enables=E ret=R leaked=L
 *   then one line per allocation still not freed: "leak: <callers>"
 * and the log says which allocation was made to fail:
 *   "klpx_test_failnth: allocation N (<function>) from <caller> < ... fails".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <trace/events/kmem.h>

#define FAILNTH_MAX_TRACKED	2048
#define FAILNTH_CALLERS		10

/* Where an allocator takes its gfp flags: argument index. */
#ifdef CONFIG_SLAB_BUCKETS
#define BUCKET_ARG	1
#else
#define BUCKET_ARG	0
#endif

enum failnth_kind { FAILNTH_SLAB, FAILNTH_PAGES };

struct failnth_probe {
	struct kretprobe krp;
	const char *name;
	unsigned int gfp_arg;
	enum failnth_kind kind;
	bool registered;
};

#define SLAB_PROBE(sym, arg) { .name = #sym, .gfp_arg = (arg), .kind = FAILNTH_SLAB }
#define PAGE_PROBE(sym) { .name = #sym, .gfp_arg = 0, .kind = FAILNTH_PAGES }

/* The allocators of 6.1 and of 6.12 (the _noprof ones); missing ones are skipped. */
static struct failnth_probe alloc_probes[] = {
	SLAB_PROBE(kmem_cache_alloc, 1),
	SLAB_PROBE(kmem_cache_alloc_lru, 2),
	SLAB_PROBE(kmem_cache_alloc_node, 1),
	SLAB_PROBE(__kmalloc, 1),
	SLAB_PROBE(__kmalloc_node, 1),
	SLAB_PROBE(__kmalloc_node_track_caller, 1),
	SLAB_PROBE(kmalloc_trace, 1),
	SLAB_PROBE(kmalloc_node_trace, 1),
	SLAB_PROBE(kmalloc_large, 1),
	SLAB_PROBE(kmalloc_large_node, 1),
	SLAB_PROBE(kmem_cache_alloc_noprof, 1),
	SLAB_PROBE(kmem_cache_alloc_lru_noprof, 2),
	SLAB_PROBE(kmem_cache_alloc_node_noprof, 1),
	SLAB_PROBE(__kmalloc_noprof, 1),
	SLAB_PROBE(__kmalloc_node_noprof, 1 + BUCKET_ARG),
	SLAB_PROBE(__kmalloc_node_track_caller_noprof, 1 + BUCKET_ARG),
	SLAB_PROBE(__kmalloc_cache_noprof, 1),
	SLAB_PROBE(__kmalloc_cache_node_noprof, 1),
	SLAB_PROBE(__kmalloc_large_noprof, 1),
	SLAB_PROBE(__kmalloc_large_node_noprof, 1),
	PAGE_PROBE(__alloc_pages),
	PAGE_PROBE(__alloc_pages_noprof),
};

struct failnth_call {
	struct failnth_probe *probe;
	bool counted;
	bool fail;
	unsigned int order;
};

struct failnth_obj {
	unsigned long addr;	/* object, or struct page * */
	unsigned long caller[FAILNTH_CALLERS];
};

/*
 * The armed task's counters are touched only by that task, in task
 * context; the table of live allocations by whoever frees, under the lock.
 */
static struct {
	struct task_struct *task;
	int inside;		/* depth in klpx_enable_patch() */
	int depth;		/* depth in the allocators */
	unsigned long nth;
	unsigned long counted;
	bool injected;
	int enables;
	long ret;
} fi;

static DEFINE_RAW_SPINLOCK(table_lock);
static struct failnth_obj table[FAILNTH_MAX_TRACKED];
static unsigned int tracked;		/* used entries of table[] */
static unsigned int overflow;		/* allocations that did not fit */
static DEFINE_MUTEX(ctl_mutex);

static bool armed_here(void)
{
	return in_task() && current == READ_ONCE(fi.task);
}

/*
 * The allocator's caller and the callers above it, from a return
 * probe: the stack is walked from the handler, and starts at the caller
 * once past the probe's own frames.
 */
static void callers(struct kretprobe_instance *ri, unsigned long *out)
{
	unsigned long ret = get_kretprobe_retaddr(ri), trace[24];
	unsigned int i, n, k = 0;

	memset(out, 0, FAILNTH_CALLERS * sizeof(*out));
	out[0] = ret;
	n = stack_trace_save(trace, ARRAY_SIZE(trace), 0);
	for (i = 0; i < n && trace[i] != ret; i++)
		;
	for (i++; i < n && ++k < FAILNTH_CALLERS; i++)
		out[k] = trace[i];
}

static void table_add(unsigned long addr, const unsigned long *caller)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&table_lock, flags);
	if (tracked < FAILNTH_MAX_TRACKED) {
		table[tracked].addr = addr;
		memcpy(table[tracked].caller, caller,
		       sizeof(table[tracked].caller));
		tracked++;
	} else
		overflow++;
	raw_spin_unlock_irqrestore(&table_lock, flags);
}

static void table_del(unsigned long addr)
{
	unsigned long flags;
	unsigned int i;

	if (!READ_ONCE(tracked) || !addr)
		return;
	raw_spin_lock_irqsave(&table_lock, flags);
	for (i = 0; i < tracked; i++) {
		if (table[i].addr == addr) {
			table[i] = table[--tracked];
			break;
		}
	}
	raw_spin_unlock_irqrestore(&table_lock, flags);
}

static int alloc_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct failnth_call *c = (struct failnth_call *)ri->data;
	gfp_t gfp;

	if (!armed_here() || !fi.inside)
		return 1;	/* no return probe */
	c->probe = container_of(get_kretprobe(ri), struct failnth_probe, krp);
	c->counted = false;
	c->fail = false;
	c->order = c->probe->kind == FAILNTH_PAGES ?
		regs_get_kernel_argument(regs, 1) : 0;
	if (fi.depth++)
		return 0;
	gfp = (gfp_t)regs_get_kernel_argument(regs, c->probe->gfp_arg);
	if (gfp & __GFP_NOFAIL)
		return 0;
	c->counted = true;
	fi.counted++;
	/* Past N and not injected yet: N could not be failed, fail the next. */
	c->fail = !fi.injected && fi.counted >= fi.nth;
	return 0;
}

static int alloc_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct failnth_call *c = (struct failnth_call *)ri->data;
	unsigned long ret = regs_return_value(regs);
	unsigned long caller[FAILNTH_CALLERS];

	fi.depth--;
	if (!c->counted || !ret)
		return 0;
	callers(ri, caller);
	if (!c->fail) {
		table_add(ret, caller);
		return 0;
	}
	if (c->probe->kind == FAILNTH_PAGES)
		__free_pages((struct page *)ret, c->order);
	else
		kfree((void *)ret);
	regs_set_return_value(regs, 0);
	fi.injected = true;
	pr_info("allocation %lu (%s) from %pS < %pS < %pS < %pS fails\n",
		fi.counted, c->probe->name, (void *)caller[0],
		(void *)caller[1], (void *)caller[2], (void *)caller[3]);
	return 0;
}

static int enable_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (!armed_here())
		return 1;
	fi.inside++;
	return 0;
}

static int enable_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	fi.inside--;
	fi.enables++;
	fi.ret = (int)regs_return_value(regs);
	return 0;
}

static struct kretprobe enable_probe = {
	.kp.symbol_name = "klpx_enable_patch",
	.entry_handler = enable_entry,
	.handler = enable_return,
	.maxactive = 4,
};

/* Frees: forget the allocation, whoever frees it. */
static void kfree_event(void *data, unsigned long call_site, const void *ptr)
{
	table_del((unsigned long)ptr);
}

static void cache_free_event(void *data, unsigned long call_site,
			     const void *ptr, const struct kmem_cache *s)
{
	table_del((unsigned long)ptr);
}

static int pages_free_pre(struct kprobe *p, struct pt_regs *regs)
{
	table_del(regs_get_kernel_argument(regs, 0));
	return 0;
}

static int free_bulk_pre(struct kprobe *p, struct pt_regs *regs)
{
	size_t i, n = regs_get_kernel_argument(regs, 1);
	void **objs = (void **)regs_get_kernel_argument(regs, 2);

	for (i = 0; READ_ONCE(tracked) && i < n; i++)
		table_del((unsigned long)objs[i]);
	return 0;
}

static struct kprobe free_probes[] = {
	{ .symbol_name = "kmem_cache_free_bulk", .pre_handler = free_bulk_pre },
	{ .symbol_name = "__free_pages", .pre_handler = pages_free_pre },
};

static void disarm(void)
{
	struct task_struct *task = fi.task;

	WRITE_ONCE(fi.task, NULL);
	/* No handler still looks at the old task or counters. */
	synchronize_rcu();
	if (task)
		put_task_struct(task);
}

static void arm(unsigned long nth)
{
	unsigned long flags;

	disarm();
	raw_spin_lock_irqsave(&table_lock, flags);
	tracked = 0;
	overflow = 0;
	raw_spin_unlock_irqrestore(&table_lock, flags);
	fi.inside = 0;
	fi.depth = 0;
	fi.nth = nth;
	fi.counted = 0;
	fi.injected = false;
	fi.enables = 0;
	fi.ret = 0;
	get_task_struct(current);
	WRITE_ONCE(fi.task, current);
}

static ssize_t ctl_write(struct file *file, const char __user *ubuf,
			 size_t len, loff_t *ppos)
{
	char buf[32], *cmd;
	unsigned long nth;
	int ret = len;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	cmd = strim(buf);

	mutex_lock(&ctl_mutex);
	if (!strncmp(cmd, "arm ", 4) && !kstrtoul(cmd + 4, 0, &nth) && nth)
		arm(nth);
	else if (!strcmp(cmd, "disarm"))
		disarm();
	else if (!strcmp(cmd, "settle")) {
		rcu_barrier();
		rcu_barrier_tasks();
	}
	else
		ret = -EINVAL;
	mutex_unlock(&ctl_mutex);
	return ret;
}

static const struct file_operations ctl_fops = {
	.owner = THIS_MODULE,
	.write = ctl_write,
	.llseek = noop_llseek,
};

static int state_show(struct seq_file *m, void *v)
{
	struct failnth_obj *copy;
	unsigned long flags;
	unsigned int i, k, n, lost;
	unsigned long missed;

	copy = kmalloc_array(FAILNTH_MAX_TRACKED, sizeof(*copy), GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	mutex_lock(&ctl_mutex);
	raw_spin_lock_irqsave(&table_lock, flags);
	n = tracked;
	lost = overflow;
	memcpy(copy, table, n * sizeof(*copy));
	raw_spin_unlock_irqrestore(&table_lock, flags);
	for (i = 0, missed = 0; i < ARRAY_SIZE(free_probes); i++)
		missed += free_probes[i].nmissed;
	seq_printf(m, "nth=%lu counted=%lu injected=%d enables=%d ret=%ld leaked=%u missed=%lu\n",
		   fi.nth, fi.counted, fi.injected, fi.enables, fi.ret, n,
		   missed);
	if (lost)
		seq_printf(m, "untracked: %u allocations did not fit\n", lost);
	for (i = 0; i < n; i++) {
		seq_puts(m, "leak:");
		for (k = 0; k < FAILNTH_CALLERS && copy[i].caller[k]; k++)
			seq_printf(m, "%s%pS", k ? " < " : " ",
				   (void *)copy[i].caller[k]);
		seq_putc(m, '\n');
	}
	mutex_unlock(&ctl_mutex);
	kfree(copy);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(state);

static struct dentry *dir;
static int nfree;		/* free_probes[] registered */
static bool kfree_event_on, cache_free_event_on;

static void unregister_all(void)
{
	int i;

	if (cache_free_event_on)
		unregister_trace_kmem_cache_free(cache_free_event, NULL);
	if (kfree_event_on)
		unregister_trace_kfree(kfree_event, NULL);
	tracepoint_synchronize_unregister();
	for (i = 0; i < nfree; i++)
		unregister_kprobe(&free_probes[i]);
	for (i = 0; i < ARRAY_SIZE(alloc_probes); i++)
		if (alloc_probes[i].registered)
			unregister_kretprobe(&alloc_probes[i].krp);
	unregister_kretprobe(&enable_probe);
}

static int __init failnth_init(void)
{
	int i, ret, slab = 0, pages = 0;

	ret = register_kretprobe(&enable_probe);
	if (ret) {
		pr_err("cannot probe klpx_enable_patch: %d\n", ret);
		return ret;
	}
	for (i = 0; i < ARRAY_SIZE(alloc_probes); i++) {
		struct failnth_probe *p = &alloc_probes[i];

		p->krp.kp.symbol_name = p->name;
		p->krp.entry_handler = alloc_entry;
		p->krp.handler = alloc_return;
		p->krp.data_size = sizeof(struct failnth_call);
		p->krp.maxactive = 64;
		ret = register_kretprobe(&p->krp);
		if (ret == -ENOENT)
			continue;	/* not an allocator of this kernel */
		if (ret) {
			pr_err("cannot probe %s: %d\n", p->name, ret);
			goto err;
		}
		p->registered = true;
		if (p->kind == FAILNTH_PAGES)
			pages++;
		else
			slab++;
	}
	ret = register_trace_kfree(kfree_event, NULL);
	if (ret) {
		pr_err("cannot attach to the kfree tracepoint: %d\n", ret);
		goto err;
	}
	kfree_event_on = true;
	ret = register_trace_kmem_cache_free(cache_free_event, NULL);
	if (ret) {
		pr_err("cannot attach to the kmem_cache_free tracepoint: %d\n", ret);
		goto err;
	}
	cache_free_event_on = true;
	for (nfree = 0; nfree < ARRAY_SIZE(free_probes); nfree++) {
		ret = register_kprobe(&free_probes[nfree]);
		if (ret) {
			pr_err("cannot probe %s: %d\n",
			       free_probes[nfree].symbol_name, ret);
			goto err;
		}
	}
	if (slab < 5 || !pages) {
		pr_err("found %d slab and %d page allocators to probe: too few\n",
		       slab, pages);
		ret = -ENOENT;
		goto err;
	}
	dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("ctl", 0200, dir, NULL, &ctl_fops);
	debugfs_create_file("state", 0400, dir, NULL, &state_fops);
	return 0;
err:
	unregister_all();
	return ret;
}

static void __exit failnth_exit(void)
{
	debugfs_remove_recursive(dir);
	mutex_lock(&ctl_mutex);
	disarm();
	mutex_unlock(&ctl_mutex);
	unregister_all();
}

module_init(failnth_init);
module_exit(failnth_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx test: fail the Nth allocation of a klpx enable, list leaks");
