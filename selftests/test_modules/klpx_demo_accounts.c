// SPDX-License-Identifier: GPL-2.0
/*
 * klpx_demo_accounts - the module the demo patches: five bank accounts.
 *
 * Its deposit function updates a balance without a lock, and a lock cannot
 * be added to struct klpx_demo_account without rebooting: that is what
 * the demo's live patches fix with a shadow lock.
 *
 *	cat /proc/klpx_demo_accounts		balances, and who handles deposits
 *	echo "ACCOUNT AMOUNT" > /proc/klpx_demo_accounts	deposit
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include "klpx_demo.h"

/* Every call goes through the symbol the patches name. */
#define KLPX_DEMO_FN __attribute__((__noipa__))

/*
 * Global, so that each is one symbol the patches find by name; declared
 * here only because nothing else calls them (-Wmissing-prototypes).
 */
long klpx_demo_deposit(struct klpx_demo_account *account, long amount);
const char *klpx_demo_deposit_code(void);

static struct klpx_demo_account klpx_demo_accounts[KLPX_DEMO_NR_ACCOUNTS];

KLPX_DEMO_FN long klpx_demo_deposit(struct klpx_demo_account *account,
				    long amount)
{
	/* The bug: two deposits at once can lose one of them. */
	account->balance += amount;
	return account->balance;
}

KLPX_DEMO_FN const char *klpx_demo_deposit_code(void)
{
	return "the original code, without a lock";
}

static int klpx_demo_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < KLPX_DEMO_NR_ACCOUNTS; i++)
		seq_printf(m, "account %d: balance %ld\n",
			   klpx_demo_accounts[i].id,
			   klpx_demo_accounts[i].balance);
	seq_printf(m, "deposits are handled by %s\n",
		   klpx_demo_deposit_code());
	return 0;
}

static int klpx_demo_open(struct inode *inode, struct file *file)
{
	return single_open(file, klpx_demo_show, NULL);
}

static ssize_t klpx_demo_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[64];
	long amount;
	int id;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%d %ld", &id, &amount) != 2 ||
	    id < 1 || id > KLPX_DEMO_NR_ACCOUNTS)
		return -EINVAL;
	klpx_demo_deposit(&klpx_demo_accounts[id - 1], amount);
	return count;
}

static const struct proc_ops klpx_demo_ops = {
	.proc_open = klpx_demo_open,
	.proc_read = seq_read,
	.proc_write = klpx_demo_write,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static int __init klpx_demo_init(void)
{
	int i;

	for (i = 0; i < KLPX_DEMO_NR_ACCOUNTS; i++) {
		klpx_demo_accounts[i].id = i + 1;
		klpx_demo_accounts[i].balance = 100;
	}
	if (!proc_create("klpx_demo_accounts", 0644, NULL, &klpx_demo_ops))
		return -ENOMEM;
	return 0;
}

static void __exit klpx_demo_exit(void)
{
	remove_proc_entry("klpx_demo_accounts", NULL);
}

module_init(klpx_demo_init);
module_exit(klpx_demo_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klpx demo: bank accounts with an unlocked deposit");
