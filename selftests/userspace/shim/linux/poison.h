/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/poison.h>: pointers that fault when used. */
#ifndef _SHIM_LINUX_POISON_H
#define _SHIM_LINUX_POISON_H

#define LIST_POISON1	((void *)0x100)
#define LIST_POISON2	((void *)0x122)

#endif /* _SHIM_LINUX_POISON_H */
