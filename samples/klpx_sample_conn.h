/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the sample module klpx_sample_conn and the patches written for it
 * share: its data structure, and the functions the patches replace.
 */
#ifndef _KLPX_SAMPLE_CONN_H
#define _KLPX_SAMPLE_CONN_H

#include <linux/list.h>

struct seq_file;

#define SAMPLE_CONN_RXBUF	256

/**
 * struct sample_conn - one connection of the sample module
 * @id:		what the user called it
 * @node:	entry in the module's list of connections
 *
 * A fix cannot add a member here: the connections that exist when it is
 * applied were allocated with this size.  Anything a fix needs to keep
 * per connection goes into a shadow variable.
 */
struct sample_conn {
	int id;
	struct list_head node;
};

/* Global so that the patches find them by name; nothing else calls them. */
struct sample_conn *sample_conn_alloc(int id);
void sample_conn_free(struct sample_conn *conn);
void sample_conn_recv(struct sample_conn *conn, unsigned int len);
void sample_conn_show(struct seq_file *m, struct sample_conn *conn);
void sample_conn_summary(struct seq_file *m);

#endif /* _KLPX_SAMPLE_CONN_H */
