// SPDX-License-Identifier: GPL-2.0
/*
 * Spinlocks and mutexes that know their owner and their class.  A spinlock
 * holder is in atomic context; a mutex may only be taken where sleeping is
 * allowed.  Taking a lock twice would deadlock: it is reported and the
 * process stops, which fails the test at once rather than at its timeout.
 *
 * Each acquisition also feeds the class checks of shim.h: IRQ and softirq
 * usage of the class, the order of classes taken while others are held,
 * and, in PREEMPT_RT mode, where a sleeping spinlock_t may be taken.
 */

#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <shim.h>

/* ------------------------------------------------------------------ */
/* classes                                                             */
/* ------------------------------------------------------------------ */

/* Guards the graph: class indexes, names and the dependency matrix. */
static pthread_mutex_t shim_graph_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *shim_class_name[SHIM_MAX_LOCK_CLASSES];
static int shim_nr_classes;
/* shim_dep[a][b]: class b was taken while class a was held */
static unsigned char shim_dep[SHIM_MAX_LOCK_CLASSES][SHIM_MAX_LOCK_CLASSES];

#define SHIM_REPORTED_RECURSION	0x100u

/* The class's place in the graph, -1 when the graph is full. */
static int shim_class_index(struct shim_lock_class *c)
{
	if (!c->index) {
		if (shim_nr_classes == SHIM_MAX_LOCK_CLASSES)
			return -1;
		shim_class_name[shim_nr_classes] = c->name;
		c->index = ++shim_nr_classes;
	}
	return c->index - 1;
}

/* Is @to reachable from @from through taken-while-held edges? */
static bool shim_class_reaches(int from, int to)
{
	bool seen[SHIM_MAX_LOCK_CLASSES] = { false };
	int queue[SHIM_MAX_LOCK_CLASSES], head = 0, tail = 0, a, b;

	queue[tail++] = from;
	seen[from] = true;
	while (head < tail) {
		a = queue[head++];
		if (a == to)
			return true;
		for (b = 0; b < shim_nr_classes; b++) {
			if (shim_dep[a][b] && !seen[b]) {
				seen[b] = true;
				queue[tail++] = b;
			}
		}
	}
	return false;
}

static bool shim_report_once(struct shim_lock_class *c, unsigned int bit)
{
	return !(__atomic_fetch_or(&c->reported, bit, __ATOMIC_RELAXED) & bit);
}

/* The IRQ usage of a class as lockdep tracks it, after IRQs were handled. */
static void shim_class_mark_usage(struct shim_lock_class *c, bool trylock,
				  const char *file, int line)
{
	static const struct {
		unsigned int in, enabled;
		const char *what;
	} rules[] = {
		{ SHIM_USED_IN_HARDIRQ, SHIM_ENABLED_HARDIRQ, "hard IRQ" },
		{ SHIM_USED_IN_SOFTIRQ, SHIM_ENABLED_SOFTIRQ, "softirq" },
	};
	struct shim_task *t = shim_current();
	unsigned int new = 0, all;
	size_t i;

	/* a trylock cannot deadlock against the context it interrupted */
	if (!trylock && t->hardirq)
		new |= SHIM_USED_IN_HARDIRQ;
	if (!trylock && t->softirq)
		new |= SHIM_USED_IN_SOFTIRQ;
	if (!t->irqs_off) {
		new |= SHIM_ENABLED_HARDIRQ;
		if (!t->bh_off && !t->softirq)
			new |= SHIM_ENABLED_SOFTIRQ;
	}
	all = __atomic_or_fetch(&c->usage, new, __ATOMIC_RELAXED);
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if ((all & (rules[i].in | rules[i].enabled)) !=
		    (rules[i].in | rules[i].enabled) ||
		    !shim_report_once(c, rules[i].in))
			continue;
		shim_splat(file, line,
			   "inconsistent lock state: %s is taken in %s context and also with %ss enabled (now: %s)",
			   c->name, rules[i].what, rules[i].what,
			   new & rules[i].in ? "in that context" : "with them enabled");
	}
}

/* Check taking @c after what the thread holds, then record the order. */
static void shim_class_check_order(struct shim_lock_class *c,
				   const char *file, int line)
{
	struct shim_task *t = shim_current();
	int i, held, taken;

	pthread_mutex_lock(&shim_graph_lock);
	taken = shim_class_index(c);
	for (i = 0; i < t->nr_held && taken >= 0; i++) {
		if (t->held[i] == c) {
			if (shim_report_once(c, SHIM_REPORTED_RECURSION))
				shim_splat(file, line,
					   "possible recursive locking: a lock of class %s taken while another is held",
					   c->name);
			continue;
		}
		held = shim_class_index(t->held[i]);
		if (held < 0 || shim_dep[held][taken])
			continue;
		if (shim_class_reaches(taken, held))
			shim_splat(file, line,
				   "possible circular locking: %s taken while holding %s, which was taken while holding %s before",
				   c->name, shim_class_name[held], c->name);
		shim_dep[held][taken] = 1;
	}
	pthread_mutex_unlock(&shim_graph_lock);
}

static void shim_held_push(struct shim_lock_class *c, const char *file, int line)
{
	struct shim_task *t = shim_current();

	if (t->nr_held == (int)(sizeof(t->held) / sizeof(t->held[0]))) {
		shim_splat(file, line, "more than %d locks held",
			   t->nr_held);
		return;
	}
	t->held[t->nr_held++] = c;
}

static void shim_held_pop(struct shim_lock_class *c)
{
	struct shim_task *t = shim_current();
	int i;

	for (i = t->nr_held - 1; i >= 0; i--) {
		if (t->held[i] == c) {
			for (; i < t->nr_held - 1; i++)
				t->held[i] = t->held[i + 1];
			t->nr_held--;
			return;
		}
	}
}

/* ------------------------------------------------------------------ */
/* spinlocks                                                           */
/* ------------------------------------------------------------------ */

static struct shim_lock_class *shim_spin_class(struct shim_spinlock *lock)
{
	return lock->class ? lock->class : &lock->own_class;
}

void shim_spin_lock_init(struct shim_spinlock *lock, const char *name,
			 struct shim_lock_class *class)
{
	pthread_mutex_init(&lock->lock, NULL);
	lock->owner = 0;
	lock->name = name;
	lock->class = class;
	lock->own_class = (struct shim_lock_class){ .name = name };
	lock->sleeping = false;
}

/* Enter what the lock's flavour implies; returns whether it sleeps. */
static bool shim_spin_enter(struct shim_spinlock *lock, bool raw,
			    enum shim_spin_mode mode, const char *file, int line)
{
	struct shim_task *t = shim_current();

	if (shim_preempt_rt() && !raw) {
		/* an rt_mutex: may sleep, leaves IRQs and preemption alone */
		if (t->hardirq || t->irqs_off || t->preempt_count)
			shim_splat(file, line,
				   "sleeping spinlock_t %s taken in atomic context on PREEMPT_RT (hard IRQ %d, IRQs off %d, preempt_count %d)",
				   lock->name, t->hardirq, t->irqs_off,
				   t->preempt_count);
		if (mode == SHIM_SPIN_BH)
			shim_bh_disable();
		return true;
	}
	if (mode == SHIM_SPIN_IRQ)
		shim_irq_save();
	else if (mode == SHIM_SPIN_BH)
		shim_bh_disable();
	t->preempt_count++;
	return false;
}

static void shim_spin_leave(bool sleeping, enum shim_spin_mode mode)
{
	if (!sleeping)
		shim_current()->preempt_count--;
	if (mode == SHIM_SPIN_IRQ && !sleeping)
		shim_irq_restore(0);
	else if (mode == SHIM_SPIN_BH)
		shim_bh_enable();
}

void shim_spin_lock(struct shim_spinlock *lock, bool raw,
		    enum shim_spin_mode mode, const char *file, int line)
{
	struct shim_lock_class *c = shim_spin_class(lock);
	bool sleeping;

	if (shim_owner_is_me(&lock->owner)) {
		shim_splat(file, line, "recursive spin_lock(%s)", lock->name);
		shim_die();
	}
	shim_sched_point();
	sleeping = shim_spin_enter(lock, raw, mode, file, line);
	if (!sleeping)
		shim_class_mark_usage(c, false, file, line);
	shim_class_check_order(c, file, line);
	pthread_mutex_lock(&lock->lock);
	__atomic_store_n(&lock->owner, shim_current()->id, __ATOMIC_RELAXED);
	lock->sleeping = sleeping;
	shim_held_push(c, file, line);
}

bool shim_spin_trylock(struct shim_spinlock *lock, bool raw)
{
	bool sleeping;

	if (pthread_mutex_trylock(&lock->lock))
		return false;
	sleeping = shim_spin_enter(lock, raw, SHIM_SPIN, __FILE__, __LINE__);
	if (!sleeping)
		shim_class_mark_usage(shim_spin_class(lock), true, __FILE__,
				      __LINE__);
	__atomic_store_n(&lock->owner, shim_current()->id, __ATOMIC_RELAXED);
	lock->sleeping = sleeping;
	shim_held_push(shim_spin_class(lock), __FILE__, __LINE__);
	return true;
}

void shim_spin_unlock(struct shim_spinlock *lock, enum shim_spin_mode mode,
		      const char *file, int line)
{
	bool sleeping;

	if (!shim_owner_is_me(&lock->owner)) {
		shim_splat(file, line, "spin_unlock(%s) by a thread not holding it",
			   lock->name);
		shim_die();
	}
	sleeping = lock->sleeping;
	shim_held_pop(shim_spin_class(lock));
	__atomic_store_n(&lock->owner, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&lock->lock);
	shim_spin_leave(sleeping, mode);
	shim_sched_point();
}

bool shim_spin_is_locked(struct shim_spinlock *lock)
{
	return __atomic_load_n(&lock->owner, __ATOMIC_RELAXED) != 0;
}

/* ------------------------------------------------------------------ */
/* mutexes                                                             */
/* ------------------------------------------------------------------ */

static struct shim_lock_class *shim_mutex_class(struct mutex *lock)
{
	return lock->class ? lock->class : &lock->own_class;
}

void shim_mutex_init(struct mutex *lock, const char *name,
		     struct shim_lock_class *class)
{
	pthread_mutex_init(&lock->lock, NULL);
	lock->owner = 0;
	lock->name = name;
	lock->class = class;
	lock->own_class = (struct shim_lock_class){ .name = name };
}

void shim_mutex_lock(struct mutex *lock, const char *file, int line)
{
	shim_might_sleep("mutex_lock()", file, line);
	if (shim_owner_is_me(&lock->owner)) {
		shim_splat(file, line, "recursive mutex_lock(%s)", lock->name);
		shim_die();
	}
	shim_sched_point();
	shim_class_check_order(shim_mutex_class(lock), file, line);
	pthread_mutex_lock(&lock->lock);
	__atomic_store_n(&lock->owner, shim_current()->id, __ATOMIC_RELAXED);
	shim_held_push(shim_mutex_class(lock), file, line);
}

bool shim_mutex_trylock(struct mutex *lock)
{
	if (pthread_mutex_trylock(&lock->lock))
		return false;
	__atomic_store_n(&lock->owner, shim_current()->id, __ATOMIC_RELAXED);
	shim_held_push(shim_mutex_class(lock), __FILE__, __LINE__);
	return true;
}

void shim_mutex_unlock(struct mutex *lock, const char *file, int line)
{
	if (!shim_owner_is_me(&lock->owner)) {
		shim_splat(file, line,
			   "mutex_unlock(%s) by a thread not holding it",
			   lock->name);
		shim_die();
	}
	shim_held_pop(shim_mutex_class(lock));
	__atomic_store_n(&lock->owner, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&lock->lock);
	shim_sched_point();
}
