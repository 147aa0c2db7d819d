/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the klpx_target module and the patches of it agree on.  Patches
 * reach the items only through the arguments of the functions they
 * replace: they do not link against klpx_target, which may load after
 * them.
 */
#ifndef _KLPX_TARGET_H
#define _KLPX_TARGET_H

#define KLPX_TARGET_NR_ITEMS	4

/**
 * struct klpx_target_item - a live object of klpx_target
 * @id:		1 .. KLPX_TARGET_NR_ITEMS
 * @value:	what the original klpx_target_item_value() returns
 */
struct klpx_target_item {
	int id;
	int value;
};

#endif /* _KLPX_TARGET_H */
