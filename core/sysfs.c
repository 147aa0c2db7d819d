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
	ret = klpx_patch_disable_store(patch, kobj, &attr->attr);
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
int klpx_sysfs_add_patch(struct klpx_patch *patch)
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
void klpx_sysfs_del_patch(struct klpx_patch *patch)
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

int klpx_sysfs_init(void)
{
	klpx_root = kobject_create_and_add("klpx", kernel_kobj);
	return klpx_root ? 0 : -ENOMEM;
}

void klpx_sysfs_exit(void)
{
	kobject_put(klpx_root);
}
