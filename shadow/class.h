/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to shadow/: making and unmaking one registered id (class.c),
 * as registry.c asks for it.
 */
#ifndef _KLPX_SHADOW_CLASS_H
#define _KLPX_SHADOW_CLASS_H

#include "internal.h"

/* create and free are called with klpx_shadow_mutex held */
struct klpx_shadow_class *klpx_shadow_class_create(const struct klpx_shadow_type *type);
void klpx_shadow_class_kill(struct klpx_shadow_class *class);
void klpx_shadow_class_drain(struct klpx_shadow_class *class,
			     klpx_shadow_dtor_t dtor);
void klpx_shadow_class_free(struct klpx_shadow_class *class);

#endif /* _KLPX_SHADOW_CLASS_H */
