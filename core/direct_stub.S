/* SPDX-License-Identifier: GPL-2.0 */
/*
 * direct_stub.S - where the fentry site of a function on the direct path
 * calls.
 *
 * ftrace makes the site call klpx_direct_stub directly (or, when another
 * ftrace user shares the site, its trampoline returns into the stub with
 * the same stack): the return address on top of the stack is the
 * instruction after the site.  The stub finds it in klpx_direct_table
 * (core/direct.h) and overwrites it with the implementation to run, then
 * returns into it; with no implementation, it returns into the original.
 *
 * - No indirect branch: nothing to route through a retpoline thunk, and
 *   the target needs no ENDBR under IBT.  The stub itself is reached only
 *   by ftrace's direct call (or return), hence no ENDBR of its own.
 * - Call-depth tracking (retbleed=stuff): the call into the stub is
 *   accounted on entry, as ftrace's own trampolines do, and its RET
 *   takes it off again.
 * - Unwinding: the stub is a function frame throughout.  A task preempted
 *   in it shows the original function (the return address before it is
 *   overwritten) or the start of the replacement (after): both lie in the
 *   ranges of every switch that changes the function's entry, so such a
 *   task counts as busy, and never enters a version the step changed
 *   under it.
 * - Only %r10 and %r11 are used: neither carries an argument at a
 *   function's entry (%rax does, for variadic functions).
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>
#include "direct.h"

	.text
SYM_CODE_START(klpx_direct_stub)
	UNWIND_HINT_FUNC
	ANNOTATE_NOENDBR
#ifdef CONFIG_MITIGATION_CALL_DEPTH_TRACKING
	CALL_DEPTH_ACCOUNT
#endif
	movq	(%rsp), %r11
	movabsq	$KLPX_DIRECT_GOLDEN, %r10
	imulq	%r11, %r10
	shrq	$(64 - KLPX_DIRECT_BITS), %r10
	shlq	$4, %r10
.Lklpx_probe:
	cmpq	%r11, klpx_direct_table(%r10)
	je	.Lklpx_found
	cmpq	$0, klpx_direct_table(%r10)
	je	.Lklpx_out
	addq	$16, %r10
	andq	$(KLPX_DIRECT_SLOTS * 16 - 1), %r10
	jmp	.Lklpx_probe
.Lklpx_found:
	movq	klpx_direct_table + 8(%r10), %r10
	testq	%r10, %r10
	jz	.Lklpx_out
	movq	%r10, (%rsp)
.Lklpx_out:
	RET
SYM_CODE_END(klpx_direct_stub)
