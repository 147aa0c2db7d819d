/* SPDX-License-Identifier: GPL-2.0 */
/* leaky.h - what the leaky module and its fixes share */
#ifndef LEAKY_H
#define LEAKY_H

#include <linux/list.h>

#define LEAKY_BUF_SIZE	512

struct leaky_widget {
	struct list_head node;
	int id;
};

/* leaky.c's functions that the fixes replace */
struct leaky_widget *leaky_widget_new(int id);
void leaky_widget_poke(struct leaky_widget *w);
void leaky_widget_free(struct leaky_widget *w);

#endif
