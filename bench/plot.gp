# SPDX-License-Identifier: GPL-2.0
#
# plot.gp - cost of a shadow get against live variables, klpx and upstream.
#
#   gnuplot -e "dat='get.dat'; png='bench-get.png'; sub='date, kernel'" plot.gp
#
# dat columns: live, then klpx and upstream ns/op for: get 1 id, get
# 64 ids, miss 1 id (see report.awk).

set terminal pngcairo size 900,560 font "sans,10"
set output png
set title "shadow variable lookup: klpx vs the kernel's klp\\_shadow\\_get()\n{/*0.8 ".sub." (emulated times: compare the ratios)}"
set xlabel "live variables"
set ylabel "ns per get (median)"
set logscale xy
set format x "10^{%T}"
set format y "10^{%T}"
set grid xtics ytics mxtics mytics lc rgb "#dddddd"
set key top left box opaque
set xrange [500:2000000]
set offsets 0, 0, graph 0.05, graph 0.05

plot dat using 1:3 with linespoints lw 2 pt 7 lc rgb "#c0392b" title "upstream, 1 id", \
     dat using 1:5 with linespoints lw 2 pt 5 dt 2 lc rgb "#e67e22" title "upstream, 64 ids", \
     dat using 1:7 with linespoints lw 1 pt 6 dt 3 lc rgb "#c0392b" title "upstream, missing", \
     dat using 1:2 with linespoints lw 2 pt 7 lc rgb "#2471a3" title "klpx, 1 id", \
     dat using 1:4 with linespoints lw 2 pt 5 dt 2 lc rgb "#17a589" title "klpx, 64 ids", \
     dat using 1:6 with linespoints lw 1 pt 6 dt 3 lc rgb "#2471a3" title "klpx, missing"
