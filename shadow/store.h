/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to shadow/: what registry.c asks of an id's store (store.c)
 * when a type registers with the id or leaves it.
 */
#ifndef _KLPX_SHADOW_STORE_H
#define _KLPX_SHADOW_STORE_H

#include "internal.h"

void klpx_shadow_store_attach(struct klpx_shadow_class *class,
			      struct klpx_shadow_type *type);
void klpx_shadow_store_detach(struct klpx_shadow_class *class,
			      struct klpx_shadow_type *type);

#endif /* _KLPX_SHADOW_STORE_H */
