/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/hash.h>: multiplicative hashing by the
 * golden ratio, keeping the top @bits bits.  @bits must be 1..32 (hash_32)
 * or 1..64 (hash_64); UBSan reports a shift by the full width otherwise.
 * The shim remembers the last table size each thread hashed into, so a
 * test can see how large the tables a lookup walks have grown.
 */
#ifndef _SHIM_LINUX_HASH_H
#define _SHIM_LINUX_HASH_H

#include <linux/types.h>
#include <shim.h>

#define GOLDEN_RATIO_32 0x61C88647u
#define GOLDEN_RATIO_64 0x61C8864680B583EBull

static inline u32 __hash_32(u32 val)
{
	return val * GOLDEN_RATIO_32;
}

static inline u32 hash_32(u32 val, unsigned int bits)
{
	shim_hash_last_bits = bits;
	return __hash_32(val) >> (32 - bits);
}

static inline u32 hash_64(u64 val, unsigned int bits)
{
	shim_hash_last_bits = bits;
	return (u32)((val * GOLDEN_RATIO_64) >> (64 - bits));
}

#define hash_long(val, bits)	hash_64(val, bits)

static inline u32 hash_ptr(const void *ptr, unsigned int bits)
{
	return hash_long((unsigned long)ptr, bits);
}

static inline u32 hash32_ptr(const void *ptr)
{
	unsigned long val = (unsigned long)ptr;

	return (u32)(val ^ (val >> 32));
}

#endif /* _SHIM_LINUX_HASH_H */
