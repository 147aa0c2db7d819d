/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/irqflags.h>: only the bookkeeping. */
#ifndef _SHIM_LINUX_IRQFLAGS_H
#define _SHIM_LINUX_IRQFLAGS_H

#include <shim.h>

#define local_irq_save(flags)	do { (flags) = shim_irq_save(); } while (0)
#define local_irq_restore(flags) shim_irq_restore(flags)
#define local_irq_disable()	shim_irq_save()
#define local_irq_enable()	shim_irq_restore(0)
#define irqs_disabled()		(shim_current()->irqs_off > 0)

#endif /* _SHIM_LINUX_IRQFLAGS_H */
