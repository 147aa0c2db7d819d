/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klpx_eos_entry() calls klpx_eos_wait() from an instruction whose unwind
 * data says "end of stack", like the first instruction of 6.1's thunks.
 */
#include <linux/linkage.h>
#include <linux/version.h>
#include <asm/unwind_hints.h>

	.text
SYM_FUNC_START(klpx_eos_entry)
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	UNWIND_HINT_END_OF_STACK
#else
	UNWIND_HINT_EMPTY
#endif
	call klpx_eos_wait
	UNWIND_HINT_FUNC
	RET
SYM_FUNC_END(klpx_eos_entry)
