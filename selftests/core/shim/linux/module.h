/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/module.h>: what core/plan*.c use of it. */
#ifndef _SHIM_LINUX_MODULE_H
#define _SHIM_LINUX_MODULE_H

#define MODULE_NAME_LEN	(64 - sizeof(unsigned long))

#endif
