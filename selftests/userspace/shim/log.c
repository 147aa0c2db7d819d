// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel log, WARNs and lockdep-style splats, as recorded for tests.
 *
 * Lines are kept in a ring (the most recent SHIM_LOG_LINES); WARNs and
 * splats are counted and the most recent ones kept for the failure
 * report.  Nothing is printed unless verbose: the test driver shows the
 * log of a case that fails.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/kernel.h>
#include <shim.h>

#define SHIM_LOG_LINES		1024
#define SHIM_LOG_LINE_LEN	256
#define SHIM_RATELIMIT_MS	5000
#define SHIM_RATELIMIT_BURST	10

struct shim_log_line {
	int level;
	char text[SHIM_LOG_LINE_LEN];
};

/* shim_log_lock guards everything below */
static pthread_mutex_t shim_log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shim_log_line shim_log_ring[SHIM_LOG_LINES];
static unsigned long shim_log_total;
static unsigned long shim_warns, shim_warns_taken, shim_splats, shim_splats_taken;
static char shim_warn_text[SHIM_LOG_LINE_LEN];
static bool shim_verbose;
static bool shim_verbose_known;

static bool shim_is_verbose(void)
{
	if (!shim_verbose_known) {
		const char *v = getenv("KLPX_SHIM_VERBOSE");

		shim_verbose = v && *v && *v != '0';
		shim_verbose_known = true;
	}
	return shim_verbose;
}

void shim_set_verbose(bool on)
{
	pthread_mutex_lock(&shim_log_lock);
	shim_verbose = on;
	shim_verbose_known = true;
	pthread_mutex_unlock(&shim_log_lock);
}

/* caller holds shim_log_lock */
static void shim_log_append(int level, const char *text)
{
	struct shim_log_line *l;

	l = &shim_log_ring[shim_log_total++ % SHIM_LOG_LINES];
	l->level = level;
	snprintf(l->text, sizeof(l->text), "%s", text);
	if (shim_is_verbose())
		fprintf(stderr, "<%d>%s%s", level, text,
			text[0] && text[strlen(text) - 1] == '\n' ? "" : "\n");
}

void shim_printk(int level, const char *fmt, ...)
{
	char text[SHIM_LOG_LINE_LEN];
	va_list ap;

	if (fmt[0] == '\001' && fmt[1]) {
		if (fmt[1] >= '0' && fmt[1] <= '7')
			level = fmt[1] - '0';
		fmt += 2;
	}
	if (level < 0)
		level = LOGLEVEL_WARNING;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&shim_log_lock);
	shim_log_append(level, text);
	pthread_mutex_unlock(&shim_log_lock);
}

void shim_warn(const char *file, int line, const char *fmt, ...)
{
	char msg[SHIM_LOG_LINE_LEN], text[SHIM_LOG_LINE_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(text, sizeof(text), "WARNING: at %s:%d: %s", file, line, msg);
	pthread_mutex_lock(&shim_log_lock);
	shim_warns++;
	snprintf(shim_warn_text, sizeof(shim_warn_text), "%s", text);
	shim_log_append(LOGLEVEL_WARNING, text);
	pthread_mutex_unlock(&shim_log_lock);
}

void shim_splat(const char *file, int line, const char *fmt, ...)
{
	char msg[SHIM_LOG_LINE_LEN], text[SHIM_LOG_LINE_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(text, sizeof(text), "BUG: %s:%d: %s", file, line, msg);
	pthread_mutex_lock(&shim_log_lock);
	shim_splats++;
	shim_log_append(LOGLEVEL_ERR, text);
	pthread_mutex_unlock(&shim_log_lock);
}

void shim_die(void)
{
	fprintf(stderr, "shim: stopping; the log so far:\n");
	shim_log_dump(stderr, 20);
	abort();
}

unsigned long shim_warn_take(void)
{
	unsigned long n;

	pthread_mutex_lock(&shim_log_lock);
	n = shim_warns - shim_warns_taken;
	shim_warns_taken = shim_warns;
	pthread_mutex_unlock(&shim_log_lock);
	return n;
}

unsigned long shim_warn_pending(void)
{
	unsigned long n;

	pthread_mutex_lock(&shim_log_lock);
	n = shim_warns - shim_warns_taken;
	pthread_mutex_unlock(&shim_log_lock);
	return n;
}

unsigned long shim_splat_take(void)
{
	unsigned long n;

	pthread_mutex_lock(&shim_log_lock);
	n = shim_splats - shim_splats_taken;
	shim_splats_taken = shim_splats;
	pthread_mutex_unlock(&shim_log_lock);
	return n;
}

unsigned long shim_splat_pending(void)
{
	unsigned long n;

	pthread_mutex_lock(&shim_log_lock);
	n = shim_splats - shim_splats_taken;
	pthread_mutex_unlock(&shim_log_lock);
	return n;
}

void shim_warn_last(char *buf, size_t len)
{
	pthread_mutex_lock(&shim_log_lock);
	snprintf(buf, len, "%s", shim_warn_text);
	pthread_mutex_unlock(&shim_log_lock);
}

unsigned long shim_log_count(int level, const char *needle)
{
	unsigned long i, first, n = 0;

	pthread_mutex_lock(&shim_log_lock);
	first = shim_log_total > SHIM_LOG_LINES ?
		shim_log_total - SHIM_LOG_LINES : 0;
	for (i = first; i < shim_log_total; i++) {
		const struct shim_log_line *l = &shim_log_ring[i % SHIM_LOG_LINES];

		if (l->level <= level && (!needle || strstr(l->text, needle)))
			n++;
	}
	pthread_mutex_unlock(&shim_log_lock);
	return n;
}

void shim_log_clear(void)
{
	pthread_mutex_lock(&shim_log_lock);
	shim_log_total = 0;
	pthread_mutex_unlock(&shim_log_lock);
}

void shim_log_dump(FILE *out, unsigned long max_lines)
{
	unsigned long i, first;

	if (max_lines > SHIM_LOG_LINES)
		max_lines = SHIM_LOG_LINES;
	pthread_mutex_lock(&shim_log_lock);
	first = shim_log_total > max_lines ? shim_log_total - max_lines : 0;
	if (first)
		fprintf(out, "  [%lu earlier log lines dropped]\n", first);
	for (i = first; i < shim_log_total; i++) {
		const struct shim_log_line *l = &shim_log_ring[i % SHIM_LOG_LINES];
		size_t len = strlen(l->text);

		fprintf(out, "  <%d>%s%s", l->level, l->text,
			len && l->text[len - 1] == '\n' ? "" : "\n");
	}
	pthread_mutex_unlock(&shim_log_lock);
}

static long shim_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool shim_ratelimit_ok(struct shim_ratelimit *rs)
{
	long now = shim_now_ms();
	bool ok;

	pthread_mutex_lock(&rs->lock);
	if (!rs->begin_ms || now - rs->begin_ms >= SHIM_RATELIMIT_MS) {
		rs->begin_ms = now ? now : 1;
		rs->printed = 0;
	}
	ok = rs->printed < SHIM_RATELIMIT_BURST;
	if (ok)
		rs->printed++;
	else
		rs->missed++;
	pthread_mutex_unlock(&rs->lock);
	return ok;
}
