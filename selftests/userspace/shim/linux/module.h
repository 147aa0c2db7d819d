/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/module.h>: the harness is not a module. */
#ifndef _SHIM_LINUX_MODULE_H
#define _SHIM_LINUX_MODULE_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/export.h>
#include <linux/init.h>

struct module;

#define THIS_MODULE		((struct module *)NULL)
#define MODULE_LICENSE(s)	extern int __shim_module_license
#define MODULE_AUTHOR(s)	extern int __shim_module_author
#define MODULE_DESCRIPTION(s)	extern int __shim_module_description
#define MODULE_INFO(tag, s)	extern int __shim_module_info
#define MODULE_ALIAS(s)		extern int __shim_module_alias

/* the harness calls init and exit functions itself */
#define module_init(fn)		extern int __shim_module_init
#define module_exit(fn)		extern int __shim_module_exit

static inline bool try_module_get(struct module *mod)
{
	return true;
}

static inline void module_put(struct module *mod)
{
}

#endif /* _SHIM_LINUX_MODULE_H */
