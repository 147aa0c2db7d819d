// SPDX-License-Identifier: GPL-2.0
/*
 * uring_read - read a file through io_uring, as the guest's klpx-uring-read
 *
 *   klpx-uring-read FILE
 *
 * Submits one IORING_OP_READ of up to 4095 bytes at offset 0 with
 * IOSQE_ASYNC, so that an io-wq worker (PF_IO_WORKER) performs it, and
 * waits for its completion in io_uring_enter().  Prints
 *
 *   res=<cqe res> data=<what was read, up to its first newline>
 *
 * and exits 0 when the read returned data, 1 when it returned an error
 * (res is then -errno), 2 when io_uring itself cannot be used.
 *
 * Raw system calls only (no liburing): the guest has no libraries, and
 * this is built with -static on the host like the guest's insmod.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static char buf[4096];

static int uring_setup(unsigned int entries, struct io_uring_params *p)
{
	return (int)syscall(__NR_io_uring_setup, entries, p);
}

static int uring_enter(int fd, unsigned int to_submit,
		       unsigned int min_complete, unsigned int flags)
{
	return (int)syscall(__NR_io_uring_enter, fd, to_submit, min_complete,
			    flags, NULL, 0);
}

static void *ring_map(int fd, size_t len, off_t what)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, fd, what);

	return p == MAP_FAILED ? NULL : p;
}

int main(int argc, char **argv)
{
	struct io_uring_params p;
	struct io_uring_sqe *sqes, *sqe;
	struct io_uring_cqe *cqe;
	unsigned int *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
	size_t sq_len, cq_len;
	char *sq, *cq, *nl;
	unsigned int tail, head;
	int ring, fd, ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	memset(&p, 0, sizeof(p));
	ring = uring_setup(4, &p);
	if (ring < 0) {
		fprintf(stderr, "io_uring_setup: %s\n", strerror(errno));
		return 2;
	}
	sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	sq = ring_map(ring, sq_len, IORING_OFF_SQ_RING);
	cq = ring_map(ring, cq_len, IORING_OFF_CQ_RING);
	sqes = ring_map(ring, p.sq_entries * sizeof(*sqes), IORING_OFF_SQES);
	if (!sq || !cq || !sqes) {
		fprintf(stderr, "mmap of the rings: %s\n", strerror(errno));
		return 2;
	}
	sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	sq_array = (unsigned int *)(sq + p.sq_off.array);
	cq_head = (unsigned int *)(cq + p.cq_off.head);
	cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);

	tail = *sq_tail;
	sqe = &sqes[tail & *sq_mask];
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_READ;
	sqe->flags = IOSQE_ASYNC;
	sqe->fd = fd;
	sqe->addr = (unsigned long)buf;
	sqe->len = sizeof(buf) - 1;
	sqe->off = 0;
	sqe->user_data = 1;
	sq_array[tail & *sq_mask] = tail & *sq_mask;
	__atomic_store_n(sq_tail, tail + 1, __ATOMIC_RELEASE);

	/* Waiting here is io_uring's own wait: retried when a signal ends it. */
	do {
		ret = uring_enter(ring, 1, 1, IORING_ENTER_GETEVENTS);
		if (ret >= 0)
			break;
	} while (errno == EINTR);
	if (ret < 0) {
		fprintf(stderr, "io_uring_enter: %s\n", strerror(errno));
		return 2;
	}
	head = *cq_head;
	while (head == __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE)) {
		ret = uring_enter(ring, 0, 1, IORING_ENTER_GETEVENTS);
		if (ret < 0 && errno != EINTR) {
			fprintf(stderr, "io_uring_enter: %s\n", strerror(errno));
			return 2;
		}
	}
	cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes) + (head & *cq_mask);
	ret = cqe->res;
	__atomic_store_n(cq_head, head + 1, __ATOMIC_RELEASE);
	if (ret >= 0) {
		buf[ret] = '\0';
		nl = strchr(buf, '\n');
		if (nl)
			*nl = '\0';
	} else {
		buf[0] = '\0';
	}
	printf("res=%d data=%s\n", ret, buf);
	return ret >= 0 ? 0 : 1;
}
