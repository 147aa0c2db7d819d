# SPDX-License-Identifier: GPL-2.0
#
# report.awk - the results table of make bench.
#
#   awk -v date=D -v kver=K -v host=H -v dat=FILE -v us=USERSPACE \
#       -f report.awk raw.txt [USERSPACE]
#
# raw.txt holds the guest's records (see bench/guest.sh); userspace.txt the
# output of the userspace harness benchmark.  Prints the table: one row per
# measurement with the median over rounds of klpx and of upstream (the
# kernel's own klp_shadow_* / livepatch), and ratio = upstream / klpx, so
# that a ratio above 1 means klpx is faster or smaller.  Then the targets.
# Writes the data of the get plot to the file named by dat.

function median(key,    n, i, j, v, a) {
	n = cnt[key]
	if (!n)
		return ""
	for (i = 1; i <= n; i++)
		a[i] = val[key, i]
	for (i = 2; i <= n; i++) {
		v = a[i]
		for (j = i - 1; j >= 1 && a[j] > v; j--)
			a[j + 1] = a[j]
		a[j + 1] = v
	}
	if (n % 2)
		return a[(n + 1) / 2]
	return (a[n / 2] + a[n / 2 + 1]) / 2
}

function add(key, v) {
	val[key, ++cnt[key]] = v
}

function fmt(v, unit) {
	if (v == "")
		return "-"
	if (unit == "us")
		return sprintf("%.1f", v / 1000)
	if (unit == "ms")
		return sprintf("%.2f", v / 1e6)
	if (unit == "B")
		return sprintf("%.1f", v)
	return sprintf("%.1f", v)
}

function ratio(k, u) {
	if (k == "" || u == "" || k <= 0)
		return "-"
	return sprintf("%.2fx", u / k)
}

function row(what, size, k, u, unit) {
	printf("%-52s %6s %11s %11s %9s\n", what " (" unit ")", size,
	       fmt(k, unit), fmt(u, unit), ratio(k, u))
}

function sz(n) {
	if (n == 1000) return "10^3"
	if (n == 10000) return "10^4"
	if (n == 100000) return "10^5"
	if (n == 1000000) return "10^6"
	return n
}

function target(what, ok, detail) {
	printf("  %-6s %s: %s\n", ok ? "MET" : "MISSED", what, detail)
}

FILENAME != us && $1 == "@start" { guest = $2 " (" $3 " vCPUs, " $5 " kB)" }

# @ MEASURE SET N IMPL ROUND NS OPS
FILENAME != us && $1 == "@" {
	m = $2; set = $3; n = $4; impl = $5; ns = $7; ops = $8
	if (ops <= 0)
		next
	if (m == "get" || m == "miss" || m == "create" || m == "call" || m == "call0" || m == "fill")
		add(m SUBSEP set SUBSEP n SUBSEP impl, ns / ops)
	else
		add(m SUBSEP set SUBSEP n SUBSEP impl, ns)
	if (m == "get" || m == "miss")
		sizes[set, n] = 1
	next
}

# @mem SET N STEP SLAB_KB VMALLOC_KB
FILENAME != us && $1 == "@mem" {
	set = $2; n = $3; step = $4
	slab[step] = $5; vm[step] = $6
	if (step == "klp") {
		mslab["klpx", set] += slab["klpx"] - slab["base"]
		mtot["klpx", set] += slab["klpx"] + vm["klpx"] - slab["base"] - vm["base"]
		mslab["klp", set] += slab["klp"] - slab["klpx"]
		mtot["klp", set] += slab["klp"] + vm["klp"] - slab["klpx"] - vm["klpx"]
		memslab["klpx", set, n] = mslab["klpx", set] * 1024 / n
		memtot["klpx", set, n] = mtot["klpx", set] * 1024 / n
		memslab["klp", set, n] = mslab["klp", set] * 1024 / n
		memtot["klp", set, n] = mtot["klp", set] * 1024 / n
		memsizes[set, n] = 1
	}
	next
}

# @slab SET N STEP CACHE OBJS OBJSIZE SLABS PAGES_PER_SLAB
FILENAME != us && $1 == "@slab" {
	set = $2; n = $3; step = $4; cache = $5
	bytes = $8 * $9 * 4096
	if (cache == "kmalloc-64") {
		k64[step] = bytes
		objsize["klp"] = $7
		if (step == "klp") {
			vslab["klp", set] += k64["klp"] - k64["klpx"]
			varslab["klp", set, n] = vslab["klp", set] / n
		}
	} else if (step == "klpx") {
		own[set, n] += bytes
		varslab["klpx", set, n] = own[set, n] / n
		objsize["klpx"] = $7
	}
	next
}

# The userspace benchmark: "variables hot cold miss get_or_alloc free_all/var"
FILENAME == us && $1 ~ /^[0-9]+$/ && NF == 6 {
	usget[$1] = $3; usmiss[$1] = $4; usn[++nus] = $1
	next
}

END {
	printf("klpx benchmark, %s: klpx against the kernel's own shadow variables and livepatch\n", date)
	printf("guest: Debian %s under QEMU/TCG%s; host: %s\n", kver,
	       guest != "" ? ", " guest : "", host)
	printf("Absolute times under TCG are emulated: only the ratios carry over.\n")
	printf("Medians over rounds; ratio = upstream / klpx (above 1: klpx is faster or smaller).\n\n")
	printf("%-52s %6s %11s %11s %9s\n", "measurement", "live", "klpx", "upstream", "ratio")

	split("get miss create", ms, " ")
	split("get of a present variable|get of a missing variable|get_or_alloc creating", mname, "|")
	split("one spread", sets, " ")
	split("1 id|64 ids", setname, "|")
	split("1000 10000 100000 1000000", allsizes, " ")
	for (i = 1; i <= 3; i++)
		for (s = 1; s <= 2; s++)
			for (j = 1; j <= 4; j++) {
				n = allsizes[j]
				if (!((sets[s], n) in sizes))
					continue
				k = median(ms[i] SUBSEP sets[s] SUBSEP n SUBSEP "klpx")
				u = median(ms[i] SUBSEP sets[s] SUBSEP n SUBSEP "klp")
				row(mname[i] ", " setname[s], sz(n), k, u, "ns/op")
				res[ms[i], sets[s], n] = k SUBSEP u
			}

	for (key in cnt) {
		split(key, f, SUBSEP)
		if (f[1] == "freeall")
			fa_n = f[3]
	}
	if (fa_n != "") {
		k = median("freeall" SUBSEP "spread" SUBSEP fa_n SUBSEP "klpx")
		u = median("freeall" SUBSEP "spread" SUBSEP fa_n SUBSEP "klp")
		row("free_all of 10^3, others live", sz(fa_n), k, u, "us")
		fa_k = k; fa_u = u
	}
	split("1000 100000", gcs, " ")
	for (j = 1; j <= 2; j++) {
		n = gcs[j]
		k = median("gc" SUBSEP "gc" SUBSEP n SUBSEP "klpx")
		if (k == "")
			continue
		row("GC on unregister vs klp_shadow_free_all", sz(n), k,
		    median("gc" SUBSEP "gc" SUBSEP n SUBSEP "klp"), "us")
		row("GC on unregister vs free_all+rcu_barrier", sz(n), k,
		    median("gcfreed" SUBSEP "gc" SUBSEP n SUBSEP "klp"), "us")
	}

	# Slab pages of the variables, from slabinfo: klpx's caches are its
	# own, exact at every size; upstream's kmalloc-64 is shared, and
	# partial slabs left by earlier phases absorb the first thousands of
	# objects, so its delta is shown from 10^5 on.  The total with the
	# bucket arrays comes from meminfo, whose counters are batched per
	# CPU (+-200 kB): from 10^5 on as well.
	if (objsize["klpx"] != "")
		row("bytes/variable, slab object size", "-", objsize["klpx"],
		    objsize["klp"], "B")
	for (s = 1; s <= 2; s++)
		for (j = 1; j <= 4; j++) {
			n = allsizes[j]
			if (!((sets[s], n) in memsizes))
				continue
			row("bytes/variable, variable slabs, " setname[s], sz(n),
			    varslab["klpx", sets[s], n],
			    n < 100000 ? "" : varslab["klp", sets[s], n], "B")
		}
	for (s = 1; s <= 2; s++)
		for (j = 1; j <= 4; j++) {
			n = allsizes[j]
			if (n < 100000 || !((sets[s], n) in memsizes))
				continue
			k = memtot["klpx", sets[s], n]
			u = memtot["klp", sets[s], n]
			row("bytes/variable, Slab+VmallocUsed, " setname[s], sz(n),
			    k, u, "B")
			if (sets[s] == "one" && n == 1000000) {
				mem_k = k
				mem_u = u
			}
			if (worst_what == "" || k / u > worst) {
				worst = k / u
				worst_what = setname[s] " at " sz(n)
				worst_detail = sprintf("%.1f vs %.1f B", k, u)
			}
		}

	plain = median("call" SUBSEP "-" SUBSEP 0 SUBSEP "plain")
	ck = median("call" SUBSEP "-" SUBSEP 0 SUBSEP "klpx")
	cu = median("call" SUBSEP "-" SUBSEP 0 SUBSEP "klp")
	if (plain != "") {
		p0 = median("call0" SUBSEP "-" SUBSEP 0 SUBSEP "plain")
		k0 = median("call0" SUBSEP "-" SUBSEP 0 SUBSEP "klpx")
		u0 = median("call0" SUBSEP "-" SUBSEP 0 SUBSEP "klp")
		row("call of the functions, none patched yet", "-", k0, u0, "ns/call")
		row("call of a never-patched function", "-", plain, plain, "ns/call")
		row("call of a patched function", "-", ck, cu, "ns/call")
		row("call, cost added by the redirection", "-", ck - plain, cu - plain, "ns/call")
	}
	sw = median("switch" SUBSEP "-" SUBSEP 0 SUBSEP "klpx")
	if (sw != "")
		row("klpx switch (stop_machine included)", "-", sw, "", "us")
	k = median("stopmachine" SUBSEP "-" SUBSEP 0 SUBSEP "klpx")
	if (k != "")
		row("stop_machine() of a no-op, for scale", "-", k, "", "us")
	k = median("enablecall" SUBSEP "-" SUBSEP 0 SUBSEP "klpx")
	if (k != "") {
		row("*_enable_patch() call", "-", k,
		    median("enablecall" SUBSEP "-" SUBSEP 0 SUBSEP "klp"), "ms")
		row("enable: start to post_patch (transition)", "-",
		    median("enable" SUBSEP "-" SUBSEP 0 SUBSEP "klpx"),
		    median("enable" SUBSEP "-" SUBSEP 0 SUBSEP "klp"), "ms")
		row("disable: pre_unpatch to post_unpatch", "-",
		    median("disable" SUBSEP "-" SUBSEP 0 SUBSEP "klpx"),
		    median("disable" SUBSEP "-" SUBSEP 0 SUBSEP "klp"), "ms")
	}

	if (nus) {
		printf("\nNot emulated: the userspace harness (shadow/ over liburcu) on the host, klpx only\n")
		for (j = 1; j <= nus; j++)
			row("userspace get of a present variable, 1 id", sz(usn[j]),
			    usget[usn[j]], "", "ns/op")
		for (j = 1; j <= nus; j++)
			row("userspace get of a missing variable, 1 id", sz(usn[j]),
			    usmiss[usn[j]], "", "ns/op")
	}

	printf("\nTargets\n")
	split(res["get", "one", 1000000], a, SUBSEP)
	if (a[1] != "")
		target("get at 10^6, 1 id: klpx >= 20x faster", a[2] / a[1] >= 20,
		       sprintf("%.1fx", a[2] / a[1]))
	split(res["get", "one", 1000], a, SUBSEP)
	if (a[1] != "")
		target("get at 10^3, 1 id: klpx <= 1.2x upstream", a[1] <= 1.2 * a[2],
		       sprintf("klpx is %.2fx upstream's time", a[1] / a[2]))
	if (fa_k != "")
		target("free_all of 10^3 with 10^6 others: >= 100x faster",
		       fa_u / fa_k >= 100, sprintf("%.1fx", fa_u / fa_k))
	if (mem_k != "")
		target("bytes per variable (total, 10^6, 1 id) <= upstream",
		       mem_k <= mem_u, sprintf("%.1f vs %.1f B", mem_k, mem_u))
	if (worst_what != "")
		target("bytes per variable (total) <= upstream in every case measured",
		       worst <= 1, "worst: " worst_what ", " worst_detail)
	if (ck != "")
		target("patched call: klpx <= 1.1x livepatch", ck <= 1.1 * cu,
		       sprintf("klpx is %.2fx livepatch's time", ck / cu))

	if (dat != "") {
		printf("# live klpx_one klp_one klpx_spread klp_spread klpx_miss_one klp_miss_one\n") >dat
		for (j = 1; j <= 4; j++) {
			n = allsizes[j]
			if (!(("one", n) in sizes))
				continue
			printf("%d", n) >dat
			split("get one|get spread|miss one", cols, "|")
			for (c = 1; c <= 3; c++) {
				split(cols[c], cc, " ")
				k = median(cc[1] SUBSEP cc[2] SUBSEP n SUBSEP "klpx")
				u = median(cc[1] SUBSEP cc[2] SUBSEP n SUBSEP "klp")
				printf(" %s %s", k == "" ? "NaN" : k, u == "" ? "NaN" : u) >dat
			}
			printf("\n") >dat
		}
		close(dat)
	}
}
