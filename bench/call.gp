# SPDX-License-Identifier: GPL-2.0
#
# call.gp - what a redirected call costs over the never-patched call: klpx
# on its direct path, klpx on its ops path, the kernel's livepatch; one
# group of bars per kernel.
#
#   gnuplot -e "dat='call.dat'; png='bench-call.png'; sub='date'" call.gp
#
# dat: the call.dat of one or more make bench runs (report.awk), one line
# per kernel: kernel, then ns per call added by klpx direct, klpx ops and
# livepatch.

set terminal pngcairo size 760,460 font "sans,10"
set output png
set title "cost a redirected call adds\n{/*0.8 ".sub." (emulated times: compare within a kernel)}"
set ylabel "ns per call over the plain call (median)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set yrange [0:*]
set grid ytics lc rgb "#dddddd"
set key top left box opaque
set xtics nomirror
set offsets 0, 0, graph 0.12, 0

plot dat using 2:xticlabels(1) lc rgb "#2471a3" title "klpx, direct path", \
     ''  using 3 lc rgb "#17a589" title "klpx, ops path", \
     ''  using 4 lc rgb "#c0392b" title "kernel livepatch", \
     ''  using ($0 - 0.27):2:(sprintf("%.1f", $2)) with labels offset 0,0.7 notitle, \
     ''  using ($0):3:(sprintf("%.1f", $3)) with labels offset 0,0.7 notitle, \
     ''  using ($0 + 0.27):4:(sprintf("%.1f", $4)) with labels offset 0,0.7 notitle
