// SPDX-License-Identifier: GPL-2.0
/* klpx_sym_target: the second sym_dup (see klpx_sym_target_main.c). */
#include <linux/compiler.h>

int klpx_sym_target_dup_second(void);

static __attribute__((__noipa__, __used__)) int sym_dup(void)
{
	return 2;
}

int klpx_sym_target_dup_second(void)
{
	return sym_dup();
}
