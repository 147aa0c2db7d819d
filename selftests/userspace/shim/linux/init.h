/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/init.h>: no init sections in userspace. */
#ifndef _SHIM_LINUX_INIT_H
#define _SHIM_LINUX_INIT_H

#define __init
#define __exit
#define __initdata
#define __initconst
#define __ro_after_init
#define late_initcall(fn)	extern int __shim_late_initcall

#endif /* _SHIM_LINUX_INIT_H */
