// SPDX-License-Identifier: GPL-2.0
/*
 * kallsyms.c - functions by name, and the kernel facilities a module cannot
 * link against.
 *
 * A patch names the functions it replaces; the core needs their addresses
 * and sizes, the ftrace location inside them, the loaded module an object
 * names, and a reliable stack trace of every task.  In 6.1 none of
 * kallsyms_lookup_name(), kallsyms_on_each_symbol(),
 * module_kallsyms_on_each_symbol(), kallsyms_lookup_size_offset(),
 * ftrace_location(), find_module() or stack_trace_save_tsk_reliable() is
 * exported to modules (kallsyms_lookup_name() stopped being in 5.7).
 *
 * The one exported service that still turns a name into an address is the
 * kprobe core: register_kprobe() resolves .symbol_name through kallsyms
 * itself.  klpx registers a kprobe on kallsyms_lookup_name only to learn
 * its address, removes it at once, and from then on asks
 * kallsyms_lookup_name() for the rest, once, at load time.  This is
 * robust where the alternatives are not: scanning /proc/kallsyms from
 * userspace needs a helper and races with module loads, hard-coding
 * addresses breaks with KASLR, and guessing offsets breaks between builds.
 * Each function found this way is used with the exact 6.1 signature,
 * which is why the build refuses a kernel whose iterators changed shape.
 *
 * Symbol positions follow kallsyms order, in vmlinux (address order) and
 * within a module (its symbol table order), as the kernel's own livepatch
 * counts them: old_sympos N is the Nth symbol of that name.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/version.h>
#include "core.h"

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#error "core/kallsyms.c calls the 6.1 kallsyms iterators; check their signatures for this kernel"
#endif

typedef int (*klpx_symbol_fn)(void *data, const char *name,
			      struct module *mod, unsigned long addr);

static unsigned long (*klpx_lookup_name)(const char *name);
static int (*klpx_on_each_symbol)(klpx_symbol_fn fn, void *data);
static int (*klpx_on_each_match_symbol)(int (*fn)(void *, unsigned long),
					const char *name, void *data);
static int (*klpx_module_on_each_symbol)(klpx_symbol_fn fn, void *data);
static int (*klpx_lookup_size_offset)(unsigned long addr,
				      unsigned long *size,
				      unsigned long *offset);
static unsigned long (*klpx_ftrace_location)(unsigned long ip);
static struct module *(*klpx_find_module_fn)(const char *name);
static int (*klpx_save_stack_reliable)(struct task_struct *task,
				       unsigned long *store,
				       unsigned int size);
static struct task_struct *(*klpx_idle_task_fn)(int cpu);

/*
 * The kprobe reports the address it probes, which may lie past the
 * function's first instruction (past an ENDBR64 when IBT is on); we must
 * call the function at its start, so take the offset back off.
 */
static unsigned long klpx_lookup_name_address(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	char buf[KSYM_SYMBOL_LEN], *plus;
	unsigned long addr, offset = 0;
	int ret;

	ret = register_kprobe(&kp);
	if (ret) {
		pr_err("cannot find kallsyms_lookup_name with a kprobe: %d\n",
		       ret);
		return 0;
	}
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);

	sprint_symbol(buf, addr);
	plus = strchr(buf, '+');
	if (!plus || strncmp(buf, "kallsyms_lookup_name+",
			     strlen("kallsyms_lookup_name+")) ||
	    sscanf(plus, "+%lx/", &offset) != 1) {
		pr_err("kprobe address of kallsyms_lookup_name is %s\n", buf);
		return 0;
	}
	return addr - offset;
}

#define klpx_find(ptr, name, required)					\
({									\
	(ptr) = (typeof(ptr))klpx_lookup_name(name);			\
	if (!(ptr) && (required))					\
		pr_err("this kernel has no %s\n", name);		\
	(ptr) || !(required);						\
})

/**
 * klpx_kallsyms_init() - find what the core needs from the kernel
 *
 * Context: module init.
 * Return: 0, or -ENOENT when the kernel lacks a facility klpx cannot do
 * without (among them reliable stack traces: without them no switch could
 * ever be proven safe).
 */
int klpx_kallsyms_init(void)
{
	bool ok = true;

	klpx_lookup_name = (void *)klpx_lookup_name_address();
	if (!klpx_lookup_name)
		return -ENOENT;

	ok &= klpx_find(klpx_module_on_each_symbol,
			"module_kallsyms_on_each_symbol", true);
	ok &= klpx_find(klpx_lookup_size_offset,
			"kallsyms_lookup_size_offset", true);
	ok &= klpx_find(klpx_find_module_fn, "find_module", true);
	ok &= klpx_find(klpx_save_stack_reliable,
			"stack_trace_save_tsk_reliable", true);
	/* A binary search by name; older 6.1 builds can only walk. */
	klpx_find(klpx_on_each_match_symbol, "kallsyms_on_each_match_symbol",
		  false);
	if (!klpx_on_each_match_symbol)
		ok &= klpx_find(klpx_on_each_symbol, "kallsyms_on_each_symbol",
				true);
	/* Without IBT a function's ftrace location is its start. */
	klpx_find(klpx_ftrace_location, "ftrace_location", false);
	/* Idle tasks are not on the task list; see klpx_idle_task(). */
	klpx_find(klpx_idle_task_fn, "idle_task", false);

	return ok ? 0 : -ENOENT;
}

struct klpx_find_arg {
	const char *name;
	struct module *mod;
	unsigned long sympos;
	unsigned long count;
	unsigned long addr;
};

/* Count one symbol of the wanted name; non-zero stops the walk. */
static int klpx_find_count(void *data, unsigned long addr)
{
	struct klpx_find_arg *arg = data;

	arg->count++;
	if (!arg->sympos) {
		if (arg->count == 1)
			arg->addr = addr;
		return arg->count > 1;
	}
	if (arg->count == arg->sympos) {
		arg->addr = addr;
		return 1;
	}
	return 0;
}

static int klpx_find_symbol(void *data, const char *name, struct module *mod,
			    unsigned long addr)
{
	struct klpx_find_arg *arg = data;

	if (mod != arg->mod || strcmp(name, arg->name))
		return 0;
	return klpx_find_count(data, addr);
}

/**
 * klpx_resolve_func() - find the original of a function and check both ends
 * @func:	a function of a loaded object (@func->obj->mod set for modules)
 *
 * Fills @func->old_addr, @func->old_size and @func->new_size.
 *
 * Context: klpx_mutex held; may sleep.
 * Return: 0; -ENOENT when the name (or its @old_sympos-th occurrence) does
 * not exist in the object; -EINVAL when it is ambiguous without
 * @old_sympos, when ftrace cannot redirect it, or when @new_func is not the
 * start of a function.  Each failure logs a line naming the symbol.
 */
int klpx_resolve_func(struct klpx_func *func)
{
	struct klpx_object *obj = func->obj;
	const char *patch = obj->patch->mod->name;
	const char *where = klpx_object_name(obj);
	struct klpx_find_arg arg = {
		.name = func->old_name,
		.mod = obj->mod,
		.sympos = func->old_sympos,
	};
	unsigned long size, offset, loc;

	if (obj->mod)
		klpx_module_on_each_symbol(klpx_find_symbol, &arg);
	else if (klpx_on_each_match_symbol)
		klpx_on_each_match_symbol(klpx_find_count, func->old_name,
					  &arg);
	else
		klpx_on_each_symbol(klpx_find_symbol, &arg);

	if (!arg.count) {
		pr_err("'%s': symbol '%s' not found in %s\n", patch,
		       func->old_name, where);
		return -ENOENT;
	}
	if (!func->old_sympos && arg.count > 1) {
		pr_err("'%s': symbol '%s' is ambiguous in %s: set old_sympos\n",
		       patch, func->old_name, where);
		return -EINVAL;
	}
	if (!arg.addr) {
		pr_err("'%s': symbol '%s' has %lu occurrence(s) in %s, not %lu\n",
		       patch, func->old_name, arg.count, where,
		       func->old_sympos);
		return -ENOENT;
	}

	if (!klpx_lookup_size_offset(arg.addr, &size, &offset) || offset) {
		pr_err("'%s': symbol '%s' in %s is not a function\n", patch,
		       func->old_name, where);
		return -EINVAL;
	}
	loc = klpx_ftrace_location ? klpx_ftrace_location(arg.addr) :
				     arg.addr;
	if (!loc || loc >= arg.addr + size) {
		pr_err("'%s': function '%s' in %s cannot be redirected by ftrace\n",
		       patch, func->old_name, where);
		return -EINVAL;
	}
	func->old_addr = arg.addr;
	func->old_size = size;

	if (!klpx_lookup_size_offset((unsigned long)func->new_func, &size,
				     &offset) || offset) {
		pr_err("'%s': the replacement of '%s' is not the start of a function\n",
		       patch, func->old_name);
		return -EINVAL;
	}
	func->new_size = size;
	return 0;
}

/**
 * klpx_ftrace_ip() - where ftrace hooks a resolved function
 * @func:	a function resolved by klpx_resolve_func()
 *
 * Return: the ftrace location inside the original.
 */
unsigned long klpx_ftrace_ip(struct klpx_func *func)
{
	return klpx_ftrace_location ? klpx_ftrace_location(func->old_addr) :
				      func->old_addr;
}

/**
 * klpx_find_module() - the module of a name, in whatever state
 * @name:	module name
 *
 * Context: preemption disabled (what find_module() asks when module_mutex
 * is not held); the module may be freed once it is enabled again, unless
 * the caller knows better (see klpx_module_live()).
 * Return: the module, or NULL.
 */
struct module *klpx_find_module(const char *name)
{
	return klpx_find_module_fn(name);
}

/**
 * klpx_stack_trace_reliable() - the stack of a task that is not running
 * @task:	the task
 * @store:	where to put return addresses
 * @size:	room in @store
 *
 * This is the kernel's own reliable unwinder, the one its livepatch
 * consistency model trusts: on x86 with ORC it fails on any frame it
 * cannot vouch for (unwinder error, missing unwind data, text it does not
 * know) and when @store is too small.  Rewriting it on top of the exported
 * __unwind_start()/unwind_next_frame() would copy arch policy that moves
 * between releases.
 *
 * Context: @task must not run (the core calls it inside stop_machine()).
 * Return: number of entries, or a negative errno when the trace cannot be
 * trusted.
 */
int klpx_stack_trace_reliable(struct task_struct *task, unsigned long *store,
			      unsigned int size)
{
	return klpx_save_stack_reliable(task, store, size);
}

/**
 * klpx_idle_task() - the idle task of a CPU
 * @cpu:	the CPU
 *
 * Idle tasks are not on the task list, yet they sleep in code too (the
 * idle loop), so the activeness check looks at them as well.
 *
 * Return: the task, or NULL when this kernel does not let us find it.
 */
struct task_struct *klpx_idle_task(int cpu)
{
	return klpx_idle_task_fn ? klpx_idle_task_fn(cpu) : NULL;
}
