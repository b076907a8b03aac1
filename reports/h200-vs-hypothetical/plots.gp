set terminal svg size 1200,420 font 'Helvetica,12' background '#ffffff' noenhanced
set output 'speedup.svg'
set multiplot layout 1,3 title 'NSA speedup over full attention (nsasim model)'
set logscale x 2
set xlabel 'sequence length (tokens)'
set ylabel 'speedup (x)'
set grid
set key top left
set xrange [3500:150000]
set xtics ('4k' 4096, '8k' 8192, '16k' 16384, '32k' 32768, '64k' 65536, '128k' 131072)
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb '#888888'
set title 'forward'
plot 'speedup-h200.dat' using 1:2 with linespoints lw 2 lc 1 title 'h200', 'speedup-h200-hbm2x.dat' using 1:2 with linespoints lw 2 lc 2 title 'h200-hbm2x', 'speedup-h200-l2x4.dat' using 1:2 with linespoints lw 2 lc 3 title 'h200-l2x4', 'speedup-h200-sfu2x.dat' using 1:2 with linespoints lw 2 lc 4 title 'h200-sfu2x'
set title 'backward'
plot 'speedup-h200.dat' using 1:3 with linespoints lw 2 lc 1 title 'h200', 'speedup-h200-hbm2x.dat' using 1:3 with linespoints lw 2 lc 2 title 'h200-hbm2x', 'speedup-h200-l2x4.dat' using 1:3 with linespoints lw 2 lc 3 title 'h200-l2x4', 'speedup-h200-sfu2x.dat' using 1:3 with linespoints lw 2 lc 4 title 'h200-sfu2x'
set title 'decode (batch 1 dashed, 64 solid)'
plot 'speedup-h200.dat' using 1:5 with linespoints lw 2 lc 1 title 'h200', 'speedup-h200.dat' using 1:4 with linespoints lw 1 dt 2 lc 1 notitle, 'speedup-h200-hbm2x.dat' using 1:5 with linespoints lw 2 lc 2 title 'h200-hbm2x', 'speedup-h200-hbm2x.dat' using 1:4 with linespoints lw 1 dt 2 lc 2 notitle, 'speedup-h200-l2x4.dat' using 1:5 with linespoints lw 2 lc 3 title 'h200-l2x4', 'speedup-h200-l2x4.dat' using 1:4 with linespoints lw 1 dt 2 lc 3 notitle, 'speedup-h200-sfu2x.dat' using 1:5 with linespoints lw 2 lc 4 title 'h200-sfu2x', 'speedup-h200-sfu2x.dat' using 1:4 with linespoints lw 1 dt 2 lc 4 notitle
unset multiplot
unset arrow 1
unset logscale
set xrange [*:*]
set xtics auto
set terminal svg size 1200,460 font 'Helvetica,12' background '#ffffff' noenhanced
set output 'pareto.svg'
set logscale x 2
set grid
set xlabel 'tokens attended per query'
set ylabel 'NSA forward time (ms)'
set title 'Pareto fronts, NSA forward at 64k tokens'
set key top left
plot 'pareto-h200.dat' index 0 using 1:2 with points pt 7 ps 0.4 lc 1 notitle, 'pareto-h200.dat' index 2 using 1:2 with lines lw 2 lc 1 title 'h200 front', 'pareto-h200.dat' index 1 using 1:2 with points pt 3 ps 2.5 lw 2 lc 1 title "h200: paper's point", 'pareto-h200-hbm2x.dat' index 0 using 1:2 with points pt 7 ps 0.4 lc 2 notitle, 'pareto-h200-hbm2x.dat' index 2 using 1:2 with lines lw 2 lc 2 title 'h200-hbm2x front', 'pareto-h200-hbm2x.dat' index 1 using 1:2 with points pt 3 ps 2.5 lw 2 lc 2 title "h200-hbm2x: paper's point", 'pareto-h200-l2x4.dat' index 0 using 1:2 with points pt 7 ps 0.4 lc 3 notitle, 'pareto-h200-l2x4.dat' index 2 using 1:2 with lines lw 2 lc 3 title 'h200-l2x4 front', 'pareto-h200-l2x4.dat' index 1 using 1:2 with points pt 3 ps 2.5 lw 2 lc 3 title "h200-l2x4: paper's point", 'pareto-h200-sfu2x.dat' index 0 using 1:2 with points pt 7 ps 0.4 lc 4 notitle, 'pareto-h200-sfu2x.dat' index 2 using 1:2 with lines lw 2 lc 4 title 'h200-sfu2x front', 'pareto-h200-sfu2x.dat' index 1 using 1:2 with points pt 3 ps 2.5 lw 2 lc 4 title "h200-sfu2x: paper's point"
unset logscale
set terminal svg size 1200,460 font 'Helvetica,12' background '#ffffff' noenhanced
set output 'heatmaps.svg'
set multiplot layout 1,2
unset key
set view map
set palette defined (0 '#2166ac', 1 '#f7f7f7', 2 '#b2182b')
set title "NSA forward time (ms), 64k tokens, h200"
set xlabel 'selected blocks n'
set ylabel "selection block l' (tokens)"
set xtics ('4' 0, '8' 1, '16' 2, '32' 3, '64' 4)
set ytics ('32' 0, '64' 1, '128' 2, '256' 3)
set cblabel 'ms'
set xrange [-0.5:4.5]
set yrange [-0.5:3.5]
plot 'heat-lp-n.dat' using 1:2:3 with image, '' using 1:2:(sprintf('%.1f',$3)) with labels font ',10'
set title "NSA forward speedup over full attention, h200"
set xlabel 'sequence length (tokens)'
set ylabel 'window w (tokens)'
set xtics ('4k' 0, '8k' 1, '16k' 2, '32k' 3, '64k' 4, '128k' 5)
set ytics ('128' 0, '256' 1, '512' 2, '1024' 3, '2048' 4)
set cblabel 'speedup (x)'
set xrange [-0.5:5.5]
set yrange [-0.5:4.5]
plot 'heat-w-seq.dat' using 1:2:3 with image, '' using 1:2:(sprintf('%.2f',$3)) with labels font ',10'
unset multiplot
unset view
set xrange [*:*]
set yrange [*:*]
set xtics auto
set ytics auto
set key
set terminal svg size 1600,460 font 'Helvetica,12' background '#ffffff' noenhanced
set output 'roofline.svg'
set multiplot layout 1,4 title 'Roofline (NSA fwd, 64k tokens)'
set logscale xy 10
set xlabel 'arithmetic intensity (FLOP per HBM byte)'
set ylabel 'tensor TFLOP/s'
set grid
set key bottom right font ',9'
set xrange [1:100000]
set title 'h200'
set yrange [1:1583.09]
plot (x*4.416 < 791.544 ? x*4.416 : 791.544) with lines lw 2 lc rgb '#444444' title 'roof', 'roofline-h200.dat' every ::0::0 using 2:3 with points pt 7 ps 1.3 lc 1 title 'nsa.compress', 'roofline-h200.dat' every ::1::1 using 2:3 with points pt 7 ps 1.3 lc 2 title 'nsa.cmp_attn', 'roofline-h200.dat' every ::2::2 using 2:3 with points pt 7 ps 1.3 lc 3 title 'nsa.select_scores', 'roofline-h200.dat' every ::3::3 using 2:3 with points pt 7 ps 1.3 lc 4 title 'nsa.selected', 'roofline-h200.dat' every ::4::4 using 2:3 with points pt 7 ps 1.3 lc 5 title 'nsa.window', 'roofline-h200.dat' every ::5::5 using 2:3 with points pt 5 ps 1.3 lc 6 title 'full.fwd'
set title 'h200-hbm2x'
set yrange [1:1583.09]
plot (x*8.832 < 791.544 ? x*8.832 : 791.544) with lines lw 2 lc rgb '#444444' title 'roof', 'roofline-h200-hbm2x.dat' every ::0::0 using 2:3 with points pt 7 ps 1.3 lc 1 title 'nsa.compress', 'roofline-h200-hbm2x.dat' every ::1::1 using 2:3 with points pt 7 ps 1.3 lc 2 title 'nsa.cmp_attn', 'roofline-h200-hbm2x.dat' every ::2::2 using 2:3 with points pt 7 ps 1.3 lc 3 title 'nsa.select_scores', 'roofline-h200-hbm2x.dat' every ::3::3 using 2:3 with points pt 7 ps 1.3 lc 4 title 'nsa.selected', 'roofline-h200-hbm2x.dat' every ::4::4 using 2:3 with points pt 7 ps 1.3 lc 5 title 'nsa.window', 'roofline-h200-hbm2x.dat' every ::5::5 using 2:3 with points pt 5 ps 1.3 lc 6 title 'full.fwd'
set title 'h200-l2x4'
set yrange [1:1583.09]
plot (x*4.416 < 791.544 ? x*4.416 : 791.544) with lines lw 2 lc rgb '#444444' title 'roof', 'roofline-h200-l2x4.dat' every ::0::0 using 2:3 with points pt 7 ps 1.3 lc 1 title 'nsa.compress', 'roofline-h200-l2x4.dat' every ::1::1 using 2:3 with points pt 7 ps 1.3 lc 2 title 'nsa.cmp_attn', 'roofline-h200-l2x4.dat' every ::2::2 using 2:3 with points pt 7 ps 1.3 lc 3 title 'nsa.select_scores', 'roofline-h200-l2x4.dat' every ::3::3 using 2:3 with points pt 7 ps 1.3 lc 4 title 'nsa.selected', 'roofline-h200-l2x4.dat' every ::4::4 using 2:3 with points pt 7 ps 1.3 lc 5 title 'nsa.window', 'roofline-h200-l2x4.dat' every ::5::5 using 2:3 with points pt 5 ps 1.3 lc 6 title 'full.fwd'
set title 'h200-sfu2x'
set yrange [1:1583.09]
plot (x*4.416 < 791.544 ? x*4.416 : 791.544) with lines lw 2 lc rgb '#444444' title 'roof', 'roofline-h200-sfu2x.dat' every ::0::0 using 2:3 with points pt 7 ps 1.3 lc 1 title 'nsa.compress', 'roofline-h200-sfu2x.dat' every ::1::1 using 2:3 with points pt 7 ps 1.3 lc 2 title 'nsa.cmp_attn', 'roofline-h200-sfu2x.dat' every ::2::2 using 2:3 with points pt 7 ps 1.3 lc 3 title 'nsa.select_scores', 'roofline-h200-sfu2x.dat' every ::3::3 using 2:3 with points pt 7 ps 1.3 lc 4 title 'nsa.selected', 'roofline-h200-sfu2x.dat' every ::4::4 using 2:3 with points pt 7 ps 1.3 lc 5 title 'nsa.window', 'roofline-h200-sfu2x.dat' every ::5::5 using 2:3 with points pt 5 ps 1.3 lc 6 title 'full.fwd'
unset multiplot
unset logscale
set xrange [*:*]
set yrange [*:*]
set terminal svg size 1200,520 font 'Helvetica,12' background '#ffffff' noenhanced
set output 'timeline.svg'
set title 'Per-SM timeline of the NSA forward pipeline, 2k tokens, h200 (cycle engine)'
set xlabel 'time (us)'
set ylabel 'SM'
set yrange [-1:132]
set key outside right font ',10'
unset grid
plot 'timeline.dat' using ($1==0 ? $3 : 1/0):2:($4-$3):(0) with vectors nohead lw 2 lc 1 title 'nsa.compress', 'timeline.dat' using ($1==1 ? $3 : 1/0):2:($4-$3):(0) with vectors nohead lw 2 lc 2 title 'nsa.cmp_attn', 'timeline.dat' using ($1==2 ? $3 : 1/0):2:($4-$3):(0) with vectors nohead lw 2 lc 3 title 'nsa.select_scores', 'timeline.dat' using ($1==3 ? $3 : 1/0):2:($4-$3):(0) with vectors nohead lw 2 lc 4 title 'nsa.selected', 'timeline.dat' using ($1==4 ? $3 : 1/0):2:($4-$3):(0) with vectors nohead lw 2 lc 5 title 'nsa.window', 'timeline.dat' using ($1==5 ? $3 : 1/0):2:($4-$3):(0) with vectors nohead lw 2 lc 6 title 'nsa.combine'
set yrange [*:*]
