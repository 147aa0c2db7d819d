/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The table the direct stub reads, shared by core/direct.c and
 * core/direct_stub.S.
 *
 * One entry per function on the direct path, 16 bytes: the return address
 * ftrace's call at its fentry site pushes (the key), then the
 * implementation that runs (0: the original).  Open addressing, probed
 * from a multiplicative hash of the key: KLPX_DIRECT_GOLDEN times the key,
 * its top KLPX_DIRECT_BITS bits.  A key of 0 ends a probe; a key of 1 is a
 * slot freed, which a probe goes past.
 */
#ifndef _KLPX_CORE_DIRECT_H
#define _KLPX_CORE_DIRECT_H

#define KLPX_DIRECT_BITS	12
#define KLPX_DIRECT_SLOTS	4096	/* 1 << KLPX_DIRECT_BITS */
#define KLPX_DIRECT_GOLDEN	0x61c8864680b583ebULL
#define KLPX_DIRECT_FREED	1UL

#ifndef __ASSEMBLY__
/**
 * struct klpx_direct_slot - one function on the direct path
 * @ret:	ftrace location + MCOUNT_INSN_SIZE, 0 or KLPX_DIRECT_FREED
 * @target:	where the stub sends the call, 0 for the original
 */
struct klpx_direct_slot {
	unsigned long ret;
	unsigned long target;
};

extern struct klpx_direct_slot klpx_direct_table[KLPX_DIRECT_SLOTS];
void klpx_direct_stub(void);
#endif

#endif /* _KLPX_CORE_DIRECT_H */
