/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/printk.h>.  Every line goes to the shim's
 * log, where tests look for it; rate limiting follows the kernel's
 * default (a burst of 10 per 5 seconds, per call site).
 */
#ifndef _SHIM_LINUX_PRINTK_H
#define _SHIM_LINUX_PRINTK_H

#include <linux/compiler.h>
#include <shim.h>

#define LOGLEVEL_EMERG		0
#define LOGLEVEL_ALERT		1
#define LOGLEVEL_CRIT		2
#define LOGLEVEL_ERR		3
#define LOGLEVEL_WARNING	4
#define LOGLEVEL_NOTICE		5
#define LOGLEVEL_INFO		6
#define LOGLEVEL_DEBUG		7

#define KERN_SOH	"\001"
#define KERN_EMERG	KERN_SOH "0"
#define KERN_ALERT	KERN_SOH "1"
#define KERN_CRIT	KERN_SOH "2"
#define KERN_ERR	KERN_SOH "3"
#define KERN_WARNING	KERN_SOH "4"
#define KERN_NOTICE	KERN_SOH "5"
#define KERN_INFO	KERN_SOH "6"
#define KERN_DEBUG	KERN_SOH "7"
#define KERN_CONT	KERN_SOH "c"

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

/* level -1: taken from a KERN_* prefix of the format, if any */
#define printk(fmt, ...)	shim_printk(-1, fmt, ##__VA_ARGS__)

#define pr_emerg(fmt, ...)	shim_printk(LOGLEVEL_EMERG, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert(fmt, ...)	shim_printk(LOGLEVEL_ALERT, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...)	shim_printk(LOGLEVEL_CRIT, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...)	shim_printk(LOGLEVEL_ERR, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)	shim_printk(LOGLEVEL_WARNING, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice(fmt, ...)	shim_printk(LOGLEVEL_NOTICE, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	shim_printk(LOGLEVEL_INFO, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...)	shim_printk(LOGLEVEL_INFO, fmt, ##__VA_ARGS__)
#define no_printk(fmt, ...) ({						\
	if (0)								\
		shim_printk(LOGLEVEL_DEBUG, fmt, ##__VA_ARGS__);	\
	0;								\
})
#ifdef DEBUG
#define pr_debug(fmt, ...)	shim_printk(LOGLEVEL_DEBUG, pr_fmt(fmt), ##__VA_ARGS__)
#else
#define pr_debug(fmt, ...)	no_printk(pr_fmt(fmt), ##__VA_ARGS__)
#endif

#define __shim_printk_ratelimited(level, fmt, ...) ({			\
	static struct shim_ratelimit __rs = SHIM_RATELIMIT_INIT;	\
	if (shim_ratelimit_ok(&__rs))					\
		shim_printk(level, pr_fmt(fmt), ##__VA_ARGS__);		\
})
#define pr_err_ratelimited(fmt, ...)					\
	__shim_printk_ratelimited(LOGLEVEL_ERR, fmt, ##__VA_ARGS__)
#define pr_warn_ratelimited(fmt, ...)					\
	__shim_printk_ratelimited(LOGLEVEL_WARNING, fmt, ##__VA_ARGS__)
#define pr_info_ratelimited(fmt, ...)					\
	__shim_printk_ratelimited(LOGLEVEL_INFO, fmt, ##__VA_ARGS__)
#define pr_notice_ratelimited(fmt, ...)					\
	__shim_printk_ratelimited(LOGLEVEL_NOTICE, fmt, ##__VA_ARGS__)
#define pr_debug_ratelimited(fmt, ...)	no_printk(pr_fmt(fmt), ##__VA_ARGS__)

#define __shim_printk_once(level, fmt, ...) ({				\
	static bool __printed;						\
	if (!__atomic_exchange_n(&__printed, true, __ATOMIC_RELAXED))	\
		shim_printk(level, pr_fmt(fmt), ##__VA_ARGS__);		\
})
#define pr_err_once(fmt, ...)	__shim_printk_once(LOGLEVEL_ERR, fmt, ##__VA_ARGS__)
#define pr_warn_once(fmt, ...)	__shim_printk_once(LOGLEVEL_WARNING, fmt, ##__VA_ARGS__)
#define pr_info_once(fmt, ...)	__shim_printk_once(LOGLEVEL_INFO, fmt, ##__VA_ARGS__)

#endif /* _SHIM_LINUX_PRINTK_H */
