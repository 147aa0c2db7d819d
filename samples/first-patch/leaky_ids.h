/* SPDX-License-Identifier: GPL-2.0 */
/*
 * leaky_ids.h - the shadow ids of the leaky fixes: one id per meaning,
 * kept by every fix that keeps the meaning, never reused for another.
 * 0x41434d45 is "ACME": a vendor's own prefix, in the high 32 bits.
 */
#ifndef LEAKY_IDS_H
#define LEAKY_IDS_H

#include <linux/klpx.h>

#define LEAKY_VENDOR	0x41434d45
#define LEAKY_BUF_ID	KLPX_SHADOW_ID(LEAKY_VENDOR, 1)	/* struct leaky_buf */
#define LEAKY_POKES_ID	KLPX_SHADOW_ID(LEAKY_VENDOR, 2)	/* u64 */

#endif
