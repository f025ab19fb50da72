# bench/plot.gp: bench.png from the files report.py writes (run in the output directory).
load 'plot-series.gp'

set terminal pngcairo size 1500,1050 font "DejaVu Sans,11" enhanced
set output 'bench.png'
set multiplot layout 2,2 title "bridgeguard vs. the usual tools: N guests on one bridge" font ",14"

set grid lc rgb '#dddddd'
set logscale x
set xrange [7:14000]
set key top left Left reverse font ",9" box opaque samplen 2 spacing 1.1
set xlabel "guests bound (N)"
set format x "%.0s%c"
set xtics ("10" 10, "100" 100, "1k" 1000, "10k" 10000)

set title "Load the whole ruleset (median, min–max)"
set ylabel "time (log)"
set logscale y
set ytics ("0.1 ms" 0.1, "1 ms" 1, "10 ms" 10, "100 ms" 100, "1 s" 1000, "10 s" 10000, "100 s" 100000, "1000 s" 1e6)
set arrow 1 from 7,50 to 14000,50 nohead dt 3 lc rgb '#d62728'
set label 1 "target: 10k guests < 50 ms" at 12,58 tc rgb '#d62728' font ",9"
set yrange @YR_APPLY
plot @PLOT_APPLY
unset arrow 1
unset label 1

set title "Add one guest while N are loaded"
set arrow 2 from 7,1 to 14000,1 nohead dt 3 lc rgb '#d62728'
set label 2 "target via daemon: < 1 ms" at 12,1.25 tc rgb '#d62728' font ",9"
set yrange @YR_ADD
plot @PLOT_ADD
unset arrow 2
unset label 2

set xrange [2:14000]
set xtics ("0" 3, "10" 10, "100" 100, "1k" 1000, "10k" 10000)
set xlabel "guests bound before the two real ones (N)"
unset logscale y
set ytics auto
set key bottom left

set title "TCP throughput between two guests (iperf3)"
set ylabel "Gbit/s"
set yrange @YR_TCP
plot @PLOT_TCP

set title "Small packets forwarded (64-byte UDP)"
set ylabel "thousand packets/s"
set yrange @YR_PPS
plot @PLOT_PPS

unset multiplot
