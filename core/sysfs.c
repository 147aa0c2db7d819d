// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs.c - /sys/kernel/klpx/<patch>/{enabled,replace,transition,
 *	     <object>/patched}
 *
 * The kobjects are klpx's own allocations, not members of the patch
 * structs: a writer of "enabled" that disables its patch removes the
 * directory and unpins the patch module before its write returns, while
 * sysfs may still hold a reference on the kobject for a moment.  The
 * kobject must not live in the module that may be gone by then.
 *
 * A directory is removed (kobject_del) before its patch module is unpinned,
 * and removal waits for every reader and writer of its files, so the show
 * and store methods may follow @patch and @obj into the patch module.
 *
 * A write of 0 to "enabled" disables the patch (disable.c), or leaves the
 * disable to the writer's return (defer.c), and removes the directory it
 * writes in before it returns.  The lifecycle creates and removes
 * directories through struct klpx_dir_ops, registered here at init.
 */
#define pr_fmt(fmt) "klpx: " fmt

#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include "core.h"

/**
 * struct klpx_kobj - a directory of a patch or of one of its objects
 * @kobj:	the kobject
 * @patch:	the patch of a patch directory
 * @obj:	the object of an object directory
 */
struct klpx_kobj {
	struct kobject kobj;
	struct klpx_patch *patch;
	struct klpx_object *obj;
};

static struct kobject *klpx_root;

static struct klpx_kobj *to_klpx_kobj(struct kobject *kobj)
{
	return container_of(kobj, struct klpx_kobj, kobj);
}

static void klpx_sysfs_del_patch(struct klpx_patch *patch);

/**
 * klpx_sysfs_disable() - disable a patch on behalf of its "enabled" file
 * @patch:	the patch
 * @kobj:	its sysfs directory
 * @attr:	the file being written ("enabled")
 *
 * Disables @patch, removes its sysfs directory and unpins its module, all
 * before returning, so that "echo 0 > enabled; rmmod" works.  When the
 * writer itself stands in code the disable changes (a patch of the
 * sysfs-write path), the disable is left to its return to user mode
 * (defer.c): it returns 0 with the switch pending.
 *
 * Context: a sysfs store; sleeps.
 * Return: 0 (for a deferred disable: with the switch pending, its
 * outcome logged when the step is taken); -EINVAL when @patch is not
 * enabled; -EBUSY (it stays enabled) when a task stayed inside its code,
 * when its enable is still pending, when its module is going and its
 * teardown disables it already, or when the writer stands in its
 * code and cannot leave the disable to its return (a kthread or worker,
 * frames in more than 8 modules); -ENODEV (the patch module is going
 * away); -ESRCH (the writer is exiting); -EINTR (the writer was killed
 * while waiting); -ENOMEM.
 */
static int klpx_sysfs_disable(struct klpx_patch *patch, struct kobject *kobj,
			      const struct attribute *attr)
{
	struct kernfs_node *kn = NULL;
	bool removing, disabled, deferred;
	LIST_HEAD(released);
	int ret;

	mutex_lock(&klpx_mutex);
	klpx_patch_settle_replace(&released);
	if (klpx_teardown_of(patch)) {
		/* Its module goes: the teardown disables it already. */
		pr_err("'%s': cannot disable: its module is going and its teardown is waiting for tasks to leave its code\n",
		       klpx_patch_name(patch));
		ret = -EBUSY;
	} else if (patch->enabled) {
		ret = __klpx_disable_patch(patch, true, NULL);
	} else {
		ret = klpx_defer_refuse_disable(patch);
	}
	/* The writer stands in the code: the disable waits for its return. */
	deferred = ret == -EINPROGRESS;
	if (deferred)
		ret = klpx_defer_queue(patch, true, klpx_disable_deferred);
	/*
	 * We are writing a file of a directory that goes now: @patch's, or
	 * that of a patch replaced while we waited for klpx_mutex, which may
	 * be @patch itself.  Removal waits for writers, us included, unless
	 * we step out of that count.  Any other writer is either done or
	 * will find the patch disabled.  Out of it, we count as releasing
	 * until we are done: that holds @patch's module and klpx.ko.
	 */
	disabled = !ret && !deferred;
	removing = disabled || !list_empty(&released);
	if (removing)
		klpx_patch_releasing_begin();
	mutex_unlock(&klpx_mutex);

	if (removing)
		kn = sysfs_break_active_protection(kobj, attr);
	klpx_patch_release_left(&released);
	if (disabled)
		klpx_sysfs_del_patch(patch);
	if (kn)
		sysfs_unbreak_active_protection(kn);
	if (disabled)
		module_put(patch->mod);
	if (removing)
		klpx_patch_releasing_done();
	return ret;
}

static ssize_t enabled_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  READ_ONCE(to_klpx_kobj(kobj)->patch->enabled));
}

static ssize_t enabled_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	struct klpx_patch *patch = to_klpx_kobj(kobj)->patch;
	bool enable;
	int ret;

	ret = kstrtobool(buf, &enable);
	if (ret)
		return -EINVAL;
	/* Enabling happens at module load; a disabled patch is done. */
	if (enable)
		return -EINVAL;
	ret = klpx_sysfs_disable(patch, kobj, &attr->attr);
	return ret ? ret : count;
}

static ssize_t replace_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", to_klpx_kobj(kobj)->patch->replace);
}

static ssize_t transition_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  READ_ONCE(to_klpx_kobj(kobj)->patch->transition));
}

static ssize_t patched_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  READ_ONCE(to_klpx_kobj(kobj)->obj->patched));
}

static struct kobj_attribute klpx_attr_enabled = __ATTR_RW(enabled);
static struct kobj_attribute klpx_attr_replace = __ATTR_RO(replace);
static struct kobj_attribute klpx_attr_transition = __ATTR_RO(transition);
static struct kobj_attribute klpx_attr_patched = __ATTR_RO(patched);

static struct attribute *klpx_patch_attrs[] = {
	&klpx_attr_enabled.attr,
	&klpx_attr_replace.attr,
	&klpx_attr_transition.attr,
	NULL,
};
ATTRIBUTE_GROUPS(klpx_patch);

static struct attribute *klpx_object_attrs[] = {
	&klpx_attr_patched.attr,
	NULL,
};
ATTRIBUTE_GROUPS(klpx_object);

static void klpx_kobj_release(struct kobject *kobj)
{
	kfree(to_klpx_kobj(kobj));
}

static const struct kobj_type klpx_patch_ktype = {
	.release = klpx_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = klpx_patch_groups,
};

static const struct kobj_type klpx_object_ktype = {
	.release = klpx_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = klpx_object_groups,
};

static struct klpx_kobj *klpx_kobj_add(const struct kobj_type *ktype,
				       struct kobject *parent,
				       const char *name)
{
	struct klpx_kobj *k;
	int ret;

	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return ERR_PTR(-ENOMEM);
	ret = kobject_init_and_add(&k->kobj, ktype, parent, "%s", name);
	if (ret) {
		kobject_put(&k->kobj);
		return ERR_PTR(ret);
	}
	return k;
}

static void klpx_kobj_del(struct klpx_kobj *k)
{
	kobject_del(&k->kobj);
	kobject_put(&k->kobj);
}

/**
 * klpx_sysfs_add_patch() - create the directories of a patch
 * @patch:	the patch
 *
 * On failure, what was created stays, recorded in @patch->kobj and the
 * objects' kobj: removing it here would wait for the users of its files
 * under klpx_mutex, and a writer of "enabled" may be one of them, waiting
 * for that mutex.  The caller removes it with klpx_sysfs_del_patch() once
 * it has dropped klpx_mutex.
 *
 * Context: klpx_mutex held (creation does not wait for file users).
 * Return: 0; -EEXIST when a patch of that name has a directory; -ENOMEM.
 */
static int klpx_sysfs_add_patch(struct klpx_patch *patch)
{
	struct klpx_object *obj;
	struct klpx_kobj *k;

	k = klpx_kobj_add(&klpx_patch_ktype, klpx_root, patch->mod->name);
	if (IS_ERR(k))
		return PTR_ERR(k);
	k->patch = patch;
	patch->kobj = k;

	klpx_for_each_object(patch, obj) {
		k = klpx_kobj_add(&klpx_object_ktype, &patch->kobj->kobj,
				  klpx_object_name(obj));
		if (IS_ERR(k))
			return PTR_ERR(k);
		k->obj = obj;
		obj->kobj = k;
	}
	return 0;
}

/**
 * klpx_sysfs_del_patch() - remove the directories of a patch
 * @patch:	the patch; nothing happens when it has none
 *
 * Waits until no one reads or writes their files any more.
 *
 * Context: klpx_mutex NOT held (a writer of "enabled" takes it); sleeps.
 */
static void klpx_sysfs_del_patch(struct klpx_patch *patch)
{
	struct klpx_object *obj;

	if (!patch->kobj)
		return;
	klpx_for_each_object(patch, obj) {
		if (!obj->kobj)
			continue;
		klpx_kobj_del(obj->kobj);
		obj->kobj = NULL;
	}
	klpx_kobj_del(patch->kobj);
	patch->kobj = NULL;
}

static const struct klpx_dir_ops klpx_sysfs_dir_ops = {
	.add = klpx_sysfs_add_patch,
	.del = klpx_sysfs_del_patch,
};

int klpx_sysfs_init(void)
{
	klpx_root = kobject_create_and_add("klpx", kernel_kobj);
	if (!klpx_root)
		return -ENOMEM;
	klpx_release_set_dir_ops(&klpx_sysfs_dir_ops);
	return 0;
}

void klpx_sysfs_exit(void)
{
	kobject_put(klpx_root);
}
