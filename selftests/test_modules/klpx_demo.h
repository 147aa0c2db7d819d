/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the demo's accounts module and its live patches agree on.  The
 * patches reach accounts only through the arguments of the functions they
 * replace; they do not link against klpx_demo_accounts.
 */
#ifndef _KLPX_DEMO_H
#define _KLPX_DEMO_H

#define KLPX_DEMO_NR_ACCOUNTS	5

/**
 * struct klpx_demo_account - a live object of the demo: a bank account
 * @id:		1 .. KLPX_DEMO_NR_ACCOUNTS
 * @balance:	its balance; the original code updates it without a lock
 */
struct klpx_demo_account {
	int id;
	long balance;
};

#endif /* _KLPX_DEMO_H */
