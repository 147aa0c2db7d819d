/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/gfp.h>: the flag names and the one
 * question the allocation shim asks of them (may this allocation block?).
 */
#ifndef _SHIM_LINUX_GFP_H
#define _SHIM_LINUX_GFP_H

#include <linux/types.h>

#define __GFP_DMA		0x00001u
#define __GFP_HIGH		0x00020u
#define __GFP_IO		0x00040u
#define __GFP_FS		0x00080u
#define __GFP_ZERO		0x00100u
#define __GFP_DIRECT_RECLAIM	0x00400u
#define __GFP_KSWAPD_RECLAIM	0x00800u
#define __GFP_NOWARN		0x02000u
#define __GFP_RETRY_MAYFAIL	0x04000u
#define __GFP_NOFAIL		0x08000u
#define __GFP_NORETRY		0x10000u
#define __GFP_NOMEMALLOC	0x80000u
#define __GFP_ACCOUNT		0x400000u

#define __GFP_RECLAIM		(__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)

#define GFP_ATOMIC		(__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_NOWAIT		(__GFP_KSWAPD_RECLAIM)
#define GFP_NOIO		(__GFP_RECLAIM)
#define GFP_NOFS		(__GFP_RECLAIM | __GFP_IO)
#define GFP_KERNEL		(__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_KERNEL_ACCOUNT	(GFP_KERNEL | __GFP_ACCOUNT)

static inline bool gfpflags_allow_blocking(const gfp_t gfp_flags)
{
	return !!(gfp_flags & __GFP_DIRECT_RECLAIM);
}

#endif /* _SHIM_LINUX_GFP_H */
