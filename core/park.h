/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Moving the tasks in a switch's way out of it (park.c), called by
 * switch.c.
 */
#ifndef _KLPX_CORE_PARK_H
#define _KLPX_CORE_PARK_H

struct klpx_inway_set;

unsigned int klpx_inway_move(struct klpx_inway_set *set);
void klpx_inway_release(struct klpx_inway_set *set);
void klpx_inway_pause(struct klpx_inway_set *set);
void klpx_inway_end(struct klpx_inway_set *set);

#endif /* _KLPX_CORE_PARK_H */
