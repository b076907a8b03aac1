set terminal svg size 900,700 font 'Helvetica,12' noenhanced background '#ffffff'
set output 'pred-vs-meas.svg'
set logscale xy
set grid
set xlabel 'measured kernel time on the H200 (ms)'
set ylabel 'predicted (ms)'
set title 'Predicted against measured, per kernel'
set key top left
set xrange [0.001:1000]
set yrange [0.001:1000]
plot '+' using 1:($1*0.9):($1*1.1) with filledcurves fc rgb '#dddddd' title '+-10%', x with lines lc rgb '#444444' title 'y = x', 'pred-vs-meas.dat' index 0 using 1:2 with points pt 7 ps 0.8 lc rgb '#b2182b' title 'model', 'pred-vs-meas.dat' index 1 using 1:2 with points pt 6 ps 1.0 lc rgb '#2166ac' title 'sim'
unset logscale
set xrange [*:*]
set yrange [*:*]
set terminal svg size 900,700 font 'Helvetica,12' noenhanced background '#ffffff'
set output 'error-by-kernel.svg'
set style fill solid 0.7
set boxwidth 0.7
set ylabel 'mean signed error (%)'
set xlabel ''
set xtics rotate by -45 font ',9'
unset key
set title 'Bias by kernel (predicted / measured - 1)'
set grid y
plot 'error-by-kernel.dat' using 1:3:xtic(2) with boxes lc rgb '#4393c3'
unset xtics
set xtics
set terminal pngcairo size 900,700 font 'Helvetica,11' noenhanced
set output 'pred-vs-meas.png'
set logscale xy
set grid
set xlabel 'measured kernel time on the H200 (ms)'
set ylabel 'predicted (ms)'
set title 'Predicted against measured, per kernel'
set key top left
set xrange [0.001:1000]
set yrange [0.001:1000]
plot '+' using 1:($1*0.9):($1*1.1) with filledcurves fc rgb '#dddddd' title '+-10%', x with lines lc rgb '#444444' title 'y = x', 'pred-vs-meas.dat' index 0 using 1:2 with points pt 7 ps 0.8 lc rgb '#b2182b' title 'model', 'pred-vs-meas.dat' index 1 using 1:2 with points pt 6 ps 1.0 lc rgb '#2166ac' title 'sim'
unset logscale
set xrange [*:*]
set yrange [*:*]
set terminal pngcairo size 900,700 font 'Helvetica,11' noenhanced
set output 'error-by-kernel.png'
set style fill solid 0.7
set boxwidth 0.7
set ylabel 'mean signed error (%)'
set xlabel ''
set xtics rotate by -45 font ',9'
unset key
set title 'Bias by kernel (predicted / measured - 1)'
set grid y
plot 'error-by-kernel.dat' using 1:3:xtic(2) with boxes lc rgb '#4393c3'
unset xtics
set xtics
