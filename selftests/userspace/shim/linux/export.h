/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/export.h>.  An export only checks that the
 * symbol it names is declared.
 */
#ifndef _SHIM_LINUX_EXPORT_H
#define _SHIM_LINUX_EXPORT_H

#define EXPORT_SYMBOL(sym)	extern __typeof__(sym) sym
#define EXPORT_SYMBOL_GPL(sym)	extern __typeof__(sym) sym

#endif /* _SHIM_LINUX_EXPORT_H */
