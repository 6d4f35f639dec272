#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Plot bench/run.py's CSVs with gnuplot, after thesis Figures 6.4-6.8.

  bench/plot.py DIR      reads DIR/*.csv, writes DIR/*.png

Missing CSVs are skipped (an experiment that did not run); a CSV that is
present but cannot be plotted is an error. Tables are pivoted here into
whitespace-separated .dat files (one column per series) that gnuplot reads.
"""
import csv
import os
import subprocess
import sys
import tempfile

STYLE = """set terminal pngcairo size 900,520 font "DejaVu Sans,11"
set grid ytics lc rgb "#dddddd"
set key top right
set border 3
set xtics nomirror
set ytics nomirror
"""


def read(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def series_name(r):
    if r["mode"] == "direct":
        return "no SF (direct)"
    return "%s L=%s" % (r["mode"], r["chain_len"])


def gnuplot(script, tmp):
    p = subprocess.run(["gnuplot"], input=STYLE + script, text=True,
                       capture_output=True, cwd=tmp)
    if p.returncode:
        raise SystemExit("plot: gnuplot: %s" % p.stderr.strip())


def pivot(rows, xkey, ykey, tmp, name):
    """One line per x, one column per series: for clustered bars."""
    series = []
    for r in rows:
        s = series_name(r)
        if s not in series:
            series.append(s)
    xs = []
    for r in rows:
        if r[xkey] not in xs:
            xs.append(r[xkey])
    table = {(series_name(r), r[xkey]): num(r[ykey]) for r in rows}
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write("x " + " ".join('"%s"' % s for s in series) + "\n")
        for x in xs:
            f.write(x + " " + " ".join(
                "%g" % table.get((s, x), float("nan")) for s in series) +
                "\n")
    return path, series


def bars(tmp, dat, series, title, ylabel, xlabel, out):
    cols = ", ".join("'%s' using %d:xtic(1) title columnheader(%d)" %
                     (dat, i + 2, i + 2) for i in range(len(series)))
    gnuplot("""set output '%s'
set title "%s"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "%s"
set xlabel "%s"
set yrange [0:*]
set key outside right
plot %s
""" % (out, title, ylabel, xlabel, cols), tmp)


def lsq_line(pts):
    """(intercept, slope) of the least-squares line through (x, y, ...)
    points, or None when the x values do not spread (also run.py's fits)."""
    n = len(pts)
    if n < 2:
        return None
    mx = sum(p[0] for p in pts) / n
    my = sum(p[1] for p in pts) / n
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    if sxx == 0:
        return None
    b = sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx
    return my - b * mx, b


def lines_with_fit(tmp, groups, title, ylabel, xlabel, out, fit=True,
                   xint=True, key="top left"):
    """groups: [(label, [(x, y, err)])]; a least-squares line per group."""
    plots = []
    script = ""
    for i, (label, pts) in enumerate(groups):
        dat = os.path.join(tmp, "g%d.dat" % i)
        with open(dat, "w") as f:
            for x, y, e in pts:
                f.write("%g %g %g\n" % (x, y, e))
        style = "yerrorbars pt 7" if fit else "yerrorlines lw 2 pt 7"
        plots.append("'%s' using 1:2:3 with %s lc %d title '%s'" %
                     (dat, style, i + 1, label))
        line = lsq_line(pts) if fit else None
        if line:
            # the least-squares line is computed here, not with gnuplot's
            # iterative fit, which aborts ("Singular matrix") on data as
            # flat as a smoke run's
            a, b = line
            script += "f%d(x) = %.17g + %.17g * x\n" % (i, a, b)
            plots.append("f%d(x) with lines dt 2 lc %d title 'fit: %.2f us/SF'"
                         % (i, i + 1, b))
    gnuplot("""set output '%s'
set title "%s"
set ylabel "%s"
set xlabel "%s"
set key %s
set yrange [0:*]
set offsets 0.5, 0.5, 0, 0
%s
%s
plot %s
""" % (out, title, ylabel, xlabel, key, "set xtics 1" if xint else "",
       script,
       ", ".join(plots)), tmp)


def plot_size(d, tmp):
    rows = read(os.path.join(d, "size.csv"))
    dat, s = pivot(rows, "size", "rx_gbps", tmp, "size_gbps.dat")
    bars(tmp, dat, s, "Throughput by packet size (Gbps)", "Gbit/s",
         "frame size (B)", os.path.join(d, "size_gbps.png"))
    dat, s = pivot(rows, "size", "rx_mpps", tmp, "size_mpps.dat")
    bars(tmp, dat, s, "Throughput by packet size (Mpps)", "Mpps",
         "frame size (B)", os.path.join(d, "size_mpps.png"))
    groups = []
    for name in dict.fromkeys(series_name(r) for r in rows):
        pts = [(num(r["size"]), num(r["lat_median_us"]),
                num(r["lat_stdev_us"])) for r in rows
               if series_name(r) == name]
        groups.append((name, pts))
    lines_with_fit(tmp, groups, "Latency by packet size (ping RTT median)",
                   "RTT (us)", "frame size (B)",
                   os.path.join(d, "size_latency.png"), fit=False,
                   xint=False, key="outside right")


def plot_length(d, tmp):
    rows = read(os.path.join(d, "length.csv"))
    rows = [r for r in rows if r["mode"] != "direct"]
    # bars: x = chain length, one column per mode
    modes = list(dict.fromkeys(r["mode"] for r in rows))
    lens = list(dict.fromkeys(r["chain_len"] for r in rows))
    tab = {(r["mode"], r["chain_len"]): num(r["rx_mpps"]) for r in rows}
    dat = os.path.join(tmp, "len_mpps.dat")
    with open(dat, "w") as f:
        f.write("x " + " ".join('"%s"' % m for m in modes) + "\n")
        for n in lens:
            f.write(n + " " + " ".join("%g" % tab.get((m, n), float("nan"))
                                       for m in modes) + "\n")
    bars(tmp, dat, modes, "Throughput by chain length, 64 B frames", "Mpps",
         "chain length (SFs)", os.path.join(d, "length_mpps.png"))
    groups = [(m, [(num(r["chain_len"]), num(r["lat_median_us"]),
                    num(r["lat_stdev_us"])) for r in rows if r["mode"] == m])
              for m in modes]
    lines_with_fit(tmp, groups, "Latency by chain length (ping RTT median)",
                   "RTT (us)", "chain length (SFs)",
                   os.path.join(d, "length_latency.png"))


def plot_modes(d, tmp, name, title):
    rows = read(os.path.join(d, name + ".csv"))
    modes = list(dict.fromkeys(r["mode"] for r in rows))
    groups = [(m, [(num(r["chain_len"]), num(r["lat_median_us"]),
                    num(r["lat_stdev_us"])) for r in rows if r["mode"] == m])
              for m in modes]
    lines_with_fit(tmp, groups, title, "RTT (us)", "chain length (SFs)",
                   os.path.join(d, name + "_latency.png"))
    if "rx_mpps" in rows[0]:
        lens = list(dict.fromkeys(r["chain_len"] for r in rows))
        tab = {(r["mode"], r["chain_len"]): num(r["rx_mpps"]) for r in rows}
        dat = os.path.join(tmp, name + "_mpps.dat")
        with open(dat, "w") as f:
            f.write("x " + " ".join('"%s"' % m for m in modes) + "\n")
            for n in lens:
                f.write(n + " " + " ".join(
                    "%g" % tab.get((m, n), float("nan")) for m in modes) +
                    "\n")
        bars(tmp, dat, modes, title + ": throughput, 64 B", "Mpps",
             "chain length (SFs)", os.path.join(d, name + "_mpps.png"))


def plot_tcp(d, tmp):
    """Clustered bars: x = offload setting, one column per mode."""
    rows = read(os.path.join(d, "tcp.csv"))
    offs = list(dict.fromkeys(r.get("offloads", "off") for r in rows))
    names = list(dict.fromkeys(series_name(r) for r in rows))
    tab = {(series_name(r), r.get("offloads", "off")):
           num(r["goodput_gbps"]) for r in rows}
    dat = os.path.join(tmp, "tcp.dat")
    with open(dat, "w") as f:
        f.write("x " + " ".join('"%s"' % s for s in names) + "\n")
        for o in offs:
            f.write('"offloads %s" ' % o + " ".join(
                "%g" % tab.get((s, o), float("nan")) for s in names) + "\n")
    bars(tmp, dat, names, "TCP goodput (iperf3), client to server",
         "Gbit/s", "GRO/GSO/TSO", os.path.join(d, "tcp.png"))


def main():
    if len(sys.argv) != 2:
        print("usage: plot.py DIR", file=sys.stderr)
        return 2
    d = os.path.abspath(sys.argv[1])
    jobs = [("size.csv", plot_size), ("length.csv", plot_length),
            ("dlinks.csv", lambda d, t: plot_modes(
                d, t, "dlinks", "Direct links against none (%s SFs)" %
                read(os.path.join(d, "dlinks.csv"))[0].get("sf_type",
                                                          "?"))),
            ("phantom.csv", lambda d, t: plot_modes(
                d, t, "phantom", "Chaining-Box against a PhantomSFC-like "
                "star, tc-redirect-delay")),
            ("tcp.csv", plot_tcp)]
    done = 0
    with tempfile.TemporaryDirectory(prefix="cbb-plot-") as tmp:
        for csvname, fn in jobs:
            if not os.path.exists(os.path.join(d, csvname)):
                print("plot: %s/%s missing, skipped" % (d, csvname),
                      file=sys.stderr)
                continue
            if not read(os.path.join(d, csvname)):
                print("plot: %s/%s has no rows, skipped" % (d, csvname),
                      file=sys.stderr)
                continue
            fn(d, tmp)
            done += 1
    print("plot: %d figure sets in %s" % (done, d), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
