# SPDX-License-Identifier: GPL-2.0
#
# report.awk - the results table of make bench.
#
#   awk -v date=D -v kver=K -v host=H -v dat=FILE -v calldat=FILE \
#       -v us=USERSPACE -f report.awk raw.txt [USERSPACE]
#
# raw.txt holds the guest's records (see bench/guest.sh); userspace.txt the
# output of the userspace harness benchmark.  Prints the table: one row per
# measurement with the median over rounds of klpx and of upstream (the
# kernel's own klp_shadow_* / livepatch), and ratio = upstream / klpx, so
# that a ratio above 1 means klpx is faster or smaller.  Then the targets.
# Writes the data of the get plot to the file named by dat, and that of
# the redirected-call plot to the file named by calldat when the run
# measured both paths: one line, the kernel and the ns a call costs over
# the never-patched call, klpx on the direct path, klpx on the ops path,
# the livepatch (measured next to the direct path).

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

# Median of the per-round values in tmp[1..ntmp].
function tmpmedian(    key) {
	key = "tmp" (++tmpkeys)
	for (i_ = 1; i_ <= ntmp; i_++)
		add(key, tmp[i_])
	return median(key)
}

# net(M, SET, N) - the per-round figures of one lookup measurement, with
# the empty loop's time subtracted where it was timed.  Sets, for klpx and
# upstream: gross[impl] and netv[impl] (medians over rounds of the median
# batch), meanv[impl] (median over rounds of the mean batch, net), and
# rlo, rhi: the lowest and highest per-round net ratio.
function net(m, set, n,    r, nr, impl, b, bm, k, u, first) {
	nr = nrounds[m, set, n]
	split("", gross); split("", netv); split("", meanv)
	first = 1
	for (ii = 1; ii <= 2; ii++) {
		impl = ii == 1 ? "klpx" : "klp"
		ntmp = 0
		for (r = 0; r < nr; r++)
			if ((m, set, n, impl, r) in rmed)
				tmp[++ntmp] = rmed[m, set, n, impl, r]
		gross[impl] = tmpmedian()
		ntmp = 0
		for (r = 0; r < nr; r++) {
			if (!((m, set, n, impl, r) in rmed))
				continue
			b = ((m, set, n, "base", r) in rmed) ? rmed[m, set, n, "base", r] : 0
			tmp[++ntmp] = rmed[m, set, n, impl, r] - b
		}
		netv[impl] = tmpmedian()
		ntmp = 0
		for (r = 0; r < nr; r++) {
			if (!((m, set, n, impl, r) in rmean))
				continue
			bm = ((m, set, n, "base", r) in rmean) ? rmean[m, set, n, "base", r] : 0
			tmp[++ntmp] = rmean[m, set, n, impl, r] - bm
		}
		meanv[impl] = tmpmedian()
	}
	for (r = 0; r < nr; r++) {
		if (!((m, set, n, "klpx", r) in rmed) || !((m, set, n, "klp", r) in rmed))
			continue
		b = ((m, set, n, "base", r) in rmed) ? rmed[m, set, n, "base", r] : 0
		k = rmed[m, set, n, "klpx", r] - b
		u = rmed[m, set, n, "klp", r] - b
		if (k <= 0)
			continue
		if (first || u / k < rlo)
			rlo = u / k
		if (first || u / k > rhi)
			rhi = u / k
		first = 0
	}
	if (first)
		rlo = rhi = ""
}

function r2(k, u) {
	if (k == "" || u == "" || k <= 0)
		return "-"
	return sprintf("%.2fx", u / k)
}

# A lookup row: net medians and their ratio, then the gross ratio, the
# ratio of the means, and the spread of the per-round ratios.
function lrow(what, size, m, set, n) {
	net(m, set, n)
	printf("%-52s %6s %11s %11s %9s %8s %8s %13s\n", what " (ns/op)", size,
	       fmt(netv["klpx"]), fmt(netv["klp"]), r2(netv["klpx"], netv["klp"]),
	       r2(gross["klpx"], gross["klp"]), r2(meanv["klpx"], meanv["klp"]),
	       rlo == "" ? "-" : sprintf("%.2f-%.2f", rlo, rhi))
}

# judge(WHAT, RATIO, LO, HI, THRESHOLD) - a ratio target, judged on net
# figures: MET when every round meets it, MISSED when none does, within
# noise when the rounds straddle it (the margin is smaller than the
# spread between rounds).
function judge(what, x, lo, hi, thr,    verdict) {
	if (x == "") {
		printf("  %-12s %s: not measured\n", "MISSED", what)
		return
	}
	if (lo == "" || hi == "")
		lo = hi = x
	if (x >= thr && lo >= thr)
		verdict = "MET"
	else if (x < thr && hi < thr)
		verdict = "MISSED"
	else
		verdict = "within noise"
	nverdict[verdict]++
	printf("  %-12s %s: %.2fx (rounds %.2f-%.2f)\n", verdict, what, x,
	       lo == "" ? x : lo, hi == "" ? x : hi)
}

# memspread(IMPL, SET, N) - the lowest and highest per-round bytes per
# variable (Slab+VmallocUsed) of IMPL, "lo-hi"
function memspread(impl, set, n,    key, i, lo, hi, v) {
	key = "memtot" SUBSEP impl SUBSEP set SUBSEP n
	for (i = 1; i <= cnt[key]; i++) {
		v = val[key, i]
		if (i == 1 || v < lo)
			lo = v
		if (i == 1 || v > hi)
			hi = v
	}
	return cnt[key] ? sprintf("%.1f-%.1f", lo, hi) : "-"
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

# @ MEASURE SET N IMPL ROUND NS OPS [TOTAL_NS TOTAL_OPS]
FILENAME != us && $1 == "@" {
	m = $2; set = $3; n = $4; impl = $5; r = $6; ns = $7; ops = $8
	if (ops <= 0)
		next
	if (m == "get" || m == "miss" || m == "create" || m == "resize" || m == "call" || m == "call0" || m == "call_direct" || m == "fill")
		add(m SUBSEP set SUBSEP n SUBSEP impl, ns / ops)
	else
		add(m SUBSEP set SUBSEP n SUBSEP impl, ns)
	# Per round: the median batch and the mean of all batches, per op.
	rmed[m, set, n, impl, r] = ns / ops
	if (NF >= 10 && $10 > 0)
		rmean[m, set, n, impl, r] = $9 / $10
	if (r + 1 > nrounds[m, set, n])
		nrounds[m, set, n] = r + 1
	if (m == "get" || m == "miss")
		sizes[set, n] = 1
	if (m == "stopped")
		stopn[n] = 1
	if (m == "disable200")
		manyn[n] = 1
	next
}

# @mem SET N STEP SLAB_KB VMALLOC_KB ROUND - each round fills SET from
# empty, base first, then each implementation in turn: the delta of a
# step is against the record before it in the same round.
FILENAME != us && $1 == "@mem" {
	set = $2; n = $3; step = $4; r = $7
	tot = $5 + $6
	if (step != "base" && (set, n, r) in lasttot) {
		add("memtot" SUBSEP step SUBSEP set SUBSEP n,
		    (tot - lasttot[set, n, r]) * 1024 / n)
		memsizes[set, n] = 1
		if (r + 1 > memrounds[set, n])
			memrounds[set, n] = r + 1
	}
	prevstep[set, n, r] = curstep[set, n, r]
	curstep[set, n, r] = step
	lasttot[set, n, r] = tot
	next
}

# @slab SET N STEP CACHE OBJS OBJSIZE SLABS PAGES_PER_SLAB ROUND
FILENAME != us && $1 == "@slab" {
	set = $2; n = $3; step = $4; cache = $5; r = $10
	bytes = $8 * $9 * 4096
	if (cache == "kmalloc-64") {
		k64[set, n, r, step] = bytes
		objsize["klp"] = $7
		if (step == "klp" && (set, n, r, prevstep[set, n, r]) in k64)
			add("varslab" SUBSEP "klp" SUBSEP set SUBSEP n,
			    (bytes - k64[set, n, r, prevstep[set, n, r]]) / n)
	} else if (step == "klpx") {
		own[set, n, r] += bytes
		ownrounds[set, n, r] = 1
		objsize["klpx"] = $7
	}
	next
}

# The userspace benchmark: "variables hot cold miss get_or_alloc free_all/var"
FILENAME == us && $1 ~ /^[0-9]+$/ && NF == 6 {
	ushot[$1] = $2; usget[$1] = $3; usmiss[$1] = $4; usn[++nus] = $1
	next
}

END {
	printf("klpx benchmark, %s: klpx against the kernel's own shadow variables and livepatch\n", date)
	printf("guest: Debian %s under QEMU/TCG%s; host: %s\n", kver,
	       guest != "" ? ", " guest : "", host)
	printf("Absolute times under TCG are emulated: only the ratios carry over.\n")
	printf("Medians over rounds; ratio = upstream / klpx (above 1: klpx is faster or smaller).\n")
	printf("Lookups: klpx and upstream are net of the empty loop timed in turn with them;\n")
	printf("ratio is net, gross is without the subtraction, mean is net from the mean batch\n")
	printf("instead of the median one, rounds is the range of the per-round net ratios.\n\n")
	printf("%-52s %6s %11s %11s %9s %8s %8s %13s\n", "measurement", "live", "klpx", "upstream", "ratio", "gross", "mean", "rounds")

	split("get miss create", ms, " ")
	split("get of a present variable|get of a missing variable|get_or_alloc creating", mname, "|")
	split("one spread one48 one96", sets, " ")
	split("1 id|64 ids|1 id, 48-byte stride|1 id, 96-byte stride", setname, "|")
	split("1000 10000 100000 1000000", allsizes, " ")
	for (i = 1; i <= 3; i++)
		for (s = 1; s <= 4; s++)
			for (j = 1; j <= 4; j++) {
				n = allsizes[j]
				if (!((sets[s], n) in sizes) || !nrounds[ms[i], sets[s], n])
					continue
				lrow(mname[i] ", " setname[s], sz(n), ms[i], sets[s], n)
				res[ms[i], sets[s], n] = netv["klpx"] SUBSEP netv["klp"] SUBSEP rlo SUBSEP rhi
			}
	for (key in nrounds) {
		split(key, f, SUBSEP)
		if (f[1] == "resize")
			rs_n = f[3]
	}
	if (rs_n != "")
		lrow("get of a present variable during a klpx resize", rs_n, "resize", "grow", rs_n)
	printf("\n%-52s %6s %11s %11s %9s\n", "measurement", "live", "klpx", "upstream", "ratio")

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
	# bucket arrays comes from meminfo (Slab + VmallocUsed), which other
	# slab activity of the kernel moves by tens of KiB: medians over the
	# memory rounds, each from empty, with the per-round range in the
	# verdict.
	if (objsize["klpx"] != "")
		row("bytes/variable, slab object size", "-", objsize["klpx"],
		    objsize["klp"], "B")
	for (s = 1; s <= 2; s++)
		for (j = 1; j <= 4; j++) {
			n = allsizes[j]
			if (!((sets[s], n) in memsizes))
				continue
			for (r = 0; r < memrounds[sets[s], n]; r++)
				if ((sets[s], n, r) in ownrounds)
					add("varslab" SUBSEP "klpx" SUBSEP sets[s] SUBSEP n,
					    own[sets[s], n, r] / n)
			u = median("varslab" SUBSEP "klp" SUBSEP sets[s] SUBSEP n)
			row("bytes/variable, variable slabs, " setname[s], sz(n),
			    median("varslab" SUBSEP "klpx" SUBSEP sets[s] SUBSEP n),
			    n < 100000 ? "" : u, "B")
		}
	for (s = 1; s <= 2; s++)
		for (j = 1; j <= 4; j++) {
			n = allsizes[j]
			if (!((sets[s], n) in memsizes))
				continue
			k = median("memtot" SUBSEP "klpx" SUBSEP sets[s] SUBSEP n)
			u = median("memtot" SUBSEP "klp" SUBSEP sets[s] SUBSEP n)
			row("bytes/variable, Slab+VmallocUsed, " setname[s], sz(n),
			    k, u, "B")
			memres[sets[s], n] = k SUBSEP u SUBSEP \
			    memspread("klpx", sets[s], n) SUBSEP \
			    memspread("klp", sets[s], n) SUBSEP \
			    memrounds[sets[s], n]
			if (n < 10000)
				continue
			if (u <= 0)
				continue
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
	dplain = median("call_direct" SUBSEP "-" SUBSEP 0 SUBSEP "plain")
	dk = median("call_direct" SUBSEP "-" SUBSEP 0 SUBSEP "klpx")
	du = median("call_direct" SUBSEP "-" SUBSEP 0 SUBSEP "klp")
	if (dplain != "") {
		row("call of a patched function, klpx direct path", "-", dk, du, "ns/call")
		row("call, cost added, klpx direct path", "-", dk - dplain, du - dplain, "ns/call")
	}
	sw = median("switch" SUBSEP "-" SUBSEP 0 SUBSEP "klpx")
	if (sw != "")
		row("klpx switch (stop_machine included)", "-", sw, "", "us")
	k = median("stopmachine" SUBSEP "-" SUBSEP 0 SUBSEP "klpx")
	if (k != "")
		row("stop_machine() of a no-op, for scale", "-", k, "", "us")
	for (nt in stopn) {
		k = median("stopped" SUBSEP "-" SUBSEP nt SUBSEP "klpx")
		nop = median("stopnop" SUBSEP "-" SUBSEP nt SUBSEP "klpx")
		row("stopped by a switch, " nt " threads, 200 funcs", "-", k, "", "us")
		if (nop != "")
			row("stop_machine() of a no-op, " nt " threads", "-", nop, "", "us")
	}
	for (nt in manyn) {
		row("enable of a 200-function patch, " nt " threads", "-",
		    median("enable200" SUBSEP "-" SUBSEP nt SUBSEP "klpx"), "", "ms")
		many = median("disable200" SUBSEP "-" SUBSEP nt SUBSEP "klpx")
		row("disable of a 200-function patch, " nt " threads", "-",
		    many, "", "ms")
		manyt = nt
	}
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
			row("userspace get, hot set of 1024, 1 id", sz(usn[j]),
			    ushot[usn[j]], "", "ns/op")
		for (j = 1; j <= nus; j++)
			row("userspace get, random (cold) keys, 1 id", sz(usn[j]),
			    usget[usn[j]], "", "ns/op")
		for (j = 1; j <= nus; j++)
			row("userspace get of a missing variable, 1 id", sz(usn[j]),
			    usmiss[usn[j]], "", "ns/op")
	}

	printf("\nTargets (lookups judged on net figures; within noise: the margin is\n")
	printf("smaller than the spread of the per-round ratios)\n")
	split("1 id|64 ids", tsetname, "|")
	for (s = 1; s <= 2; s++)
		for (j = 1; j <= 2; j++) {
			n = allsizes[j]
			split(res["get", sets[s], n], a, SUBSEP)
			judge("get of a present variable >= 1.0x at " sz(n) ", " tsetname[s],
			      a[1] > 0 ? a[2] / a[1] : "", a[3], a[4], 1.0)
		}
	for (s = 1; s <= 2; s++) {
		split(res["get", sets[s], 1000000], a, SUBSEP)
		judge("get of a present variable >= 50x at 10^6, " tsetname[s],
		      a[1] > 0 ? a[2] / a[1] : "", a[3], a[4], 50)
	}
	for (s = 1; s <= 2; s++) {
		split(res["miss", sets[s], 1000], a, SUBSEP)
		judge("get of a missing variable >= 1.0x at 10^3, " tsetname[s],
		      a[1] > 0 ? a[2] / a[1] : "", a[3], a[4], 1.0)
	}
	for (s = 1; s <= 2; s++)
		for (j = 1; j <= 4; j++) {
			n = allsizes[j]
			if (!((sets[s], n) in sizes))
				continue
			split(res["create", sets[s], n], a, SUBSEP)
			judge("get_or_alloc >= 1.0x at " sz(n) ", " tsetname[s],
			      a[1] > 0 ? a[2] / a[1] : "", a[3], a[4], 1.0)
		}
	for (s = 1; s <= 2; s++)
		for (j = 2; j <= 4; j++) {
			n = allsizes[j]
			if (!((sets[s], n) in memres))
				continue
			split(memres[sets[s], n], a, SUBSEP)
			ok = a[1] != "" && a[2] != "" && a[1] <= a[2]
			printf("  %-12s bytes per variable (Slab+VmallocUsed) <= upstream at %s, %s: %.1f vs %.1f B (%d rounds: klpx %s, upstream %s)\n",
			       ok ? "MET" : "MISSED", sz(n), tsetname[s], a[1], a[2],
			       a[5], a[3], a[4])
		}
	if (fa_k != "")
		judge("free_all of 10^3 amid 10^6 >= 100x", fa_u / fa_k, "", "", 100)
	if (manyt != "")
		target("disable of a 200-function patch, " manyt " threads, < 2 s",
		       many < 2e9, sprintf("%.0f ms", many / 1e6))
	if (dplain != "")
		target("cost a call adds, klpx direct path <= 1/3 of livepatch's",
		       dk - dplain <= (du - dplain) / 3,
		       sprintf("%.1f vs %.1f ns", dk - dplain, du - dplain))
	if (ck != "")
		target("patched call: klpx <= 1.1x livepatch", ck <= 1.1 * cu,
		       sprintf("klpx is %.2fx livepatch's time", ck / cu))

	if (calldat != "" && plain != "" && dplain != "") {
		printf("# kernel klpx_direct klpx_ops livepatch (ns/call added)\n") >calldat
		printf("%s %s %s %s\n", kver, dk - dplain, ck - plain,
		       du - dplain) >calldat
		close(calldat)
	}

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
