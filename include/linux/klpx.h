/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klpx - live patches with garbage-collected shadow variables.
 *
 * The only header a patch module includes.  Two halves:
 *
 *  - shadow variables: data attached to any object (or to NULL, for global
 *    state), grouped by a registered, refcounted *type*.  When the last
 *    registration of a type's id goes, every variable of that id is
 *    destroyed with the type's destructor;
 *
 *  - the redirection core: patches made of objects (vmlinux or a module)
 *    made of functions, switched in one consistent step with ftrace, and
 *    owning the shadow types their objects declare.
 */
#ifndef _LINUX_KLPX_H
#define _LINUX_KLPX_H

#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/list.h>

/* ------------------------------------------------------------------ */
/* Shadow variables                                                    */
/* ------------------------------------------------------------------ */

/**
 * typedef klpx_shadow_ctor_t - initialise a new shadow variable
 * @obj:	the object the variable is attached to (may be NULL)
 * @shadow_data: the variable's zeroed data, @type->size bytes
 * @ctor_data:	the pointer given to klpx_shadow_alloc()
 *
 * Runs before the variable becomes visible, under the id's spinlock_t,
 * taken with spin_lock_irqsave().  Interrupts are off, except on
 * PREEMPT_RT, where that lock is a sleeping lock and interrupts stay on:
 * do not rely on either.  The ctor must not sleep (no mutex, no GFP_KERNEL
 * allocation) and, on PREEMPT_RT, must not take a raw spinlock around a
 * spinlock_t.
 *
 * Each id's lock has a lockdep class of its own.  The ctor may call
 * klpx_shadow_get() and klpx_shadow_count() of any id, and create (with
 * GFP_ATOMIC) or free variables of another id, as long as ids always nest
 * in the same order (lockdep checks it).  It must never change variables
 * of its own id (that deadlocks), register or unregister.
 *
 * Return: 0 to keep the variable, an error to discard it.
 */
typedef int (*klpx_shadow_ctor_t)(void *obj, void *shadow_data,
				  void *ctor_data);

/**
 * typedef klpx_shadow_dtor_t - release what a shadow variable holds
 * @obj:	the object the variable was attached to, as an address only
 * @shadow_data: the variable's data
 *
 * Called exactly once per destroyed variable: by klpx_shadow_free() and
 * klpx_shadow_free_all() under the id's spinlock_t, as the ctor is (IRQs
 * off except on PREEMPT_RT), and by garbage collection (the last
 * registration of the id going: a patch disabled or replaced, a patched
 * module unloaded) in process context with the registry locked.  It must
 * not sleep.
 *
 * A variable can outlive its object: when garbage collection runs, @obj
 * may long be freed, or reused for something else.  Never dereference it;
 * use it only as a value (to log it, or as a key).
 *
 * What the ctor may call, the dtor may call too: get and count of any id,
 * and changes to variables of other ids, nesting ids in one order.
 * During garbage collection the id being collected is no longer
 * registered: a get of it returns NULL.  Garbage collection calls the
 * dtor of the type whose unregistration drops the id, once per variable,
 * and then that type's release, if any: a dtor may hand the release what
 * the variable held.
 *
 * Contexts, in short: klpx_shadow_get() and klpx_shadow_count() may be
 * called from any context but NMI, hard IRQ context and raw spinlocks
 * included, on PREEMPT_RT too.  alloc, get_or_alloc, free and free_all
 * take the id's spinlock_t: any context but NMI on most kernels; on
 * PREEMPT_RT, only where a spinlock_t may be taken (not in hard IRQ
 * context, not under a raw spinlock or with IRQs disabled).
 */
typedef void (*klpx_shadow_dtor_t)(void *obj, void *shadow_data);

struct klpx_shadow_class;
struct klpx_shadow_table;

/**
 * struct klpx_shadow_type - the type of a family of shadow variables
 * @id:		identity: equal ids mean the same variables and one refcount
 * @name:	human-readable name; must be equal for equal ids
 * @size:	bytes of data per variable; must be equal for equal ids; may
 *		be 0 (a type with @setup and @release and no data is a
 *		*state*: see Documentation/states.rst)
 * @ctor:	optional constructor
 * @dtor:	optional destructor
 * @setup:	optional: runs when the id goes from no registration to one,
 *		inside klpx_shadow_register(), before it returns (not when
 *		the id is already registered, e.g. carried over by an atomic
 *		replace).  Process context: it may sleep.  It sees the id
 *		registered and may create variables of it.  A non-zero
 *		return fails the registration with that errno (and so the
 *		enable of a patch listing the type): the variables it made
 *		are destroyed with @dtor, @release does not run, and
 *		nothing is left registered.
 * @release:	optional: runs exactly once when the last registration of
 *		the id goes, after every variable of the id has been
 *		destroyed, with the @release of the type whose
 *		unregistration drops the id, in process context (it may
 *		sleep), while that type's module is still loaded.  It
 *		undoes what @setup (or the patch's code) changed outside
 *		klpx: a notifier, a sysctl value.  It may run inside the
 *		kernel's module notifier chain (a replace enabled from a
 *		module's init, a patched module going away), so it must not
 *		register or unregister a module notifier, nor load a module.
 * @version:	optional: registering the id while a registration of it with
 *		a higher @version is held fails with -EINVAL; the id's
 *		version is the highest among its registrations
 * @class:	internal: the registered id this struct holds a reference on
 * @tbl:	internal: that id's table, where lookups through this struct
 *		start (a copy the id's resizes keep up to date)
 * @reg_next:	internal: the next registration of that id
 *
 * @setup and @release run with klpx's registry of ids locked, one at a
 * time, never concurrently with any registration or unregistration: they
 * must not register or unregister shadow types (nor enable or disable
 * patches).  They may call every other klpx_shadow_*() function; during
 * @release the id is no longer registered.
 */
struct klpx_shadow_type {
	/* external */
	unsigned long id;
	const char *name;
	size_t size;
	klpx_shadow_ctor_t ctor;
	klpx_shadow_dtor_t dtor;
	int (*setup)(struct klpx_shadow_type *type);
	void (*release)(struct klpx_shadow_type *type);
	unsigned int version;

	/* internal */
	struct klpx_shadow_class __rcu *class;
	struct klpx_shadow_table __rcu *tbl;
	struct klpx_shadow_type *reg_next;
};

/**
 * KLPX_SHADOW_ID() - a shadow type id made of a vendor prefix and a number
 * @vendor:	32 bits naming who ships the patch (four ASCII letters, say),
 *		the same in every patch of that vendor
 * @nr:		the meaning's number within @vendor
 *
 * Ids are global: two patches that pick the same id share its variables
 * (or, with another name or size, refuse to load together).  Give each
 * meaning one id, keep it in every later patch that keeps the meaning,
 * take a new @nr for a new meaning or a new layout, and never reuse an
 * @nr.  Ids are unsigned long: 64 bits on every kernel klpx supports.
 */
#define KLPX_SHADOW_ID(vendor, nr)					\
	(((unsigned long)(unsigned int)(vendor) << 32) | (unsigned int)(nr))

int klpx_shadow_register(struct klpx_shadow_type *type);
void klpx_shadow_unregister(struct klpx_shadow_type *type);

void *klpx_shadow_get(void *obj, struct klpx_shadow_type *type);
void *klpx_shadow_alloc(void *obj, struct klpx_shadow_type *type,
			gfp_t gfp_flags, void *ctor_data);
void *klpx_shadow_get_or_alloc(void *obj, struct klpx_shadow_type *type,
			       gfp_t gfp_flags, void *ctor_data);
void klpx_shadow_free(void *obj, struct klpx_shadow_type *type);
void klpx_shadow_free_all(struct klpx_shadow_type *type);
size_t klpx_shadow_count(struct klpx_shadow_type *type);

/* ------------------------------------------------------------------ */
/* The redirection core                                                */
/* ------------------------------------------------------------------ */

#ifdef __KERNEL__

struct module;
struct klpx_object;
struct klpx_patch;
struct klpx_func_stack;
struct klpx_kobj;

/**
 * struct klpx_func - one function to replace
 * @old_name:	name of the function to replace
 * @new_func:	its replacement
 * @old_sympos: 0: @old_name must be unique in the object; N >= 1: the Nth
 *		symbol of that name, in kallsyms order
 * @obj:	internal: the object this function belongs to
 * @old_addr:	internal: resolved start of the original function
 * @old_size:	internal: size of the original function
 * @new_size:	internal: size of @new_func
 * @stack:	internal: the redirection stack of @old_addr it joins
 * @stack_node: internal: entry in @stack, newest first
 * @patched:	internal: this function is on @stack
 *
 * Only the external members are filled by the patch author; the rest is
 * zero-initialised and owned by klpx.
 */
struct klpx_func {
	/* external */
	const char *old_name;
	void *new_func;
	unsigned long old_sympos;

	/* internal */
	struct klpx_object *obj;
	unsigned long old_addr;
	unsigned long old_size;
	unsigned long new_size;
	struct klpx_func_stack *stack;
	struct list_head stack_node;
	bool patched;
};

/**
 * struct klpx_callbacks - hooks run around the switch of one object
 * @pre_patch:	before the object's functions are redirected; an error
 *		aborts the enable (or the module load)
 * @post_patch: after the object's functions are redirected
 * @pre_unpatch: before the object's functions are restored
 * @post_unpatch: after the object's functions are restored
 *
 * Each runs in process context with klpx's patch lock held: a callback may
 * sleep but must not enable or disable patches.  Callbacks of patches
 * replaced by an atomic-replace patch do not run.
 */
struct klpx_callbacks {
	int (*pre_patch)(struct klpx_object *obj);
	void (*post_patch)(struct klpx_object *obj);
	void (*pre_unpatch)(struct klpx_object *obj);
	void (*post_unpatch)(struct klpx_object *obj);
};

/**
 * struct klpx_object - vmlinux or one module, and what a patch does to it
 * @name:	NULL for vmlinux, else the module's name as the kernel knows it
 *		(with '_', never '-'); not "vmlinux", "enabled" or "replace"
 * @funcs:	functions to replace; ends with an entry whose old_name is NULL
 * @shadow_types: NULL-terminated shadow types owned by this object; may be
 *		NULL.  Each object of a patch lists structs of its own: one
 *		struct holds one registration, so listing it twice (in two
 *		objects, or twice in one) is refused.  Objects that share
 *		variables list two structs with the same id.
 * @callbacks:	optional hooks
 * @patch:	internal: the patch this object belongs to
 * @mod:	internal: the loaded module, NULL for vmlinux or when not loaded
 * @kobj:	internal: /sys/kernel/klpx/<patch>/<object>
 * @nr_types:	internal: how many of @shadow_types, from the first, hold a
 *		registration
 * @patched:	internal: the object is loaded and patched
 * @relocated:	internal: the patch's KLPX_SYMBOLS() of this module are
 *		written (or partly, being undone)
 */
struct klpx_object {
	/* external */
	const char *name;
	struct klpx_func *funcs;
	struct klpx_shadow_type **shadow_types;
	struct klpx_callbacks callbacks;

	/* internal */
	struct klpx_patch *patch;
	struct module *mod;
	struct klpx_kobj *kobj;
	unsigned int nr_types;
	bool patched;
	bool relocated;
};

/**
 * struct klpx_patch - a live patch
 * @mod:	THIS_MODULE of the patch module
 * @objs:	objects; ends with an entry whose funcs is NULL
 * @replace:	atomic replace: becomes the only enabled patch
 * @list:	internal: entry in the list of enabled patches
 * @kobj:	internal: /sys/kernel/klpx/<patch>
 * @enabled:	internal: the patch is enabled
 * @used:	internal: klpx_enable_patch() was called with this patch
 * @transition: internal: a switch of this patch waits for tasks to leave
 * @mod_exit:	internal: @mod's exit function, held back (@mod->exit is
 *		NULL) while the patch is enabled, so that rmmod answers EBUSY
 * @replaced:	internal: the patches this replace patch replaced, kept
 *		ready to come back until @mod's init has succeeded
 */
struct klpx_patch {
	/* external */
	struct module *mod;
	struct klpx_object *objs;
	bool replace;

	/* internal */
	struct list_head list;
	struct klpx_kobj *kobj;
	bool enabled;
	bool used;
	bool transition;
	void (*mod_exit)(void);
	struct list_head replaced;
};

int klpx_enable_patch(struct klpx_patch *patch);

/* ------------------------------------------------------------------ */
/* Symbols that no module exports                                      */
/* ------------------------------------------------------------------ */

/* Sizes of the records below; scripts/klpx-syms.c reads them. */
#define KLPX_SYMBOLS_MAGIC	0x53504c4bU
#define KLPX_OBJECT_NAME_LEN	64	/* more than MODULE_NAME_LEN: see too long */
#define KLPX_SYMBOL_NAME_LEN	512	/* KSYM_NAME_LEN of 6.1 and later */

/**
 * struct klpx_symbol_decl - one symbol of a KLPX_SYMBOLS() list
 * @symbol:	the symbol, as the code names it
 * @sympos:	0: the name is unique in the object; N >= 1: the Nth symbol
 *		of that name, in kallsyms order (symbol table order for a
 *		module)
 */
struct klpx_symbol_decl {
	char symbol[KLPX_SYMBOL_NAME_LEN];
	unsigned long sympos;
};

/**
 * struct klpx_symbol_list - what one KLPX_SYMBOLS() records
 * @magic:	KLPX_SYMBOLS_MAGIC
 * @nr:		number of @syms
 * @objname:	"vmlinux" or a module name
 * @syms:	the symbols
 *
 * Build-time data only: scripts/klpx-syms reads it from the patch
 * module's object file and turns each listed symbol into livepatch
 * relocations; the list never reaches module memory.
 */
struct klpx_symbol_list {
	unsigned int magic;
	unsigned int nr;
	char objname[KLPX_OBJECT_NAME_LEN];
	struct klpx_symbol_decl syms[];
};

/**
 * KLPX_SYMPOS() - one entry of KLPX_SYMBOLS()
 * @sym:	a symbol the patch declares extern and uses
 * @pos:	0 when @sym is unique in its object, else its position N >= 1
 *		among the symbols of that name
 */
#define KLPX_SYMPOS(sym, pos)	{ .symbol = #sym, .sympos = (pos) }

/**
 * KLPX_SYMBOLS() - use symbols of an object that it does not export
 * @object:	vmlinux, or the name of a module (as the kernel spells it,
 *		with '_'), not quoted
 * @...:	one KLPX_SYMPOS() per symbol
 *
 * The patch declares each symbol as usual (extern) and uses it directly;
 * calls to such functions are direct calls.  The module must be built
 * with scripts/patch.kbuild included from its Kbuild.  vmlinux symbols
 * are resolved by the module loader before the patch module's init runs;
 * a module's symbols are resolved when klpx patches that object (at
 * enable, or when the module loads) and cleared when it goes away.
 * List each symbol once, at file scope, in any file of the module.
 */
#define KLPX_SYMBOLS(object, ...)					\
	static const struct klpx_symbol_list __UNIQUE_ID(klpx_symbols)	\
	__used __section(".discard.klpx_symbols") __aligned(8) = {		\
		.magic = KLPX_SYMBOLS_MAGIC,				\
		.nr = sizeof((struct klpx_symbol_decl[]){ __VA_ARGS__ }) /	\
		      sizeof(struct klpx_symbol_decl),			\
		.objname = #object,					\
		.syms = { __VA_ARGS__ },				\
	}

#endif /* __KERNEL__ */

#endif /* _LINUX_KLPX_H */
