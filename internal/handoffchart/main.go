// Command handoffchart draws scripts/handoff.sh's medians as an SVG bar
// chart, with nothing but the standard library:
//
//	go run ./internal/handoffchart -title '…' -note '…' <medians.txt >docs/handoff.svg
//
// Each input line is "<size in MiB> <way> <median ns/op>", where way is one
// of BenchmarkHandoff's sub-benchmarks (pipe, memfd, memfd-huge, reused,
// reused-pieces, floor); "-" as the median marks one that did not run. The chart shows the
// throughput (size / median time) of every way, grouped by size, with the
// median time on each bar. The output depends only on the input and the
// flags.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// ways in the order they are drawn, with their legends and colours.
var ways = []struct{ name, label, color string }{
	{"pipe", "pipe", "#9e9e9e"},
	{"memfd", "fresh sealed file, 4 KiB pages", "#e57373"},
	{"memfd-huge", "fresh sealed file, 2 MiB pages", "#ffb74d"},
	{"reused", "one reused file", "#81c784"},
	{"reused-pieces", "one reused file, read piece by piece", "#2e7d32"},
	{"floor", "in-process floor (copy + read)", "#42a5f5"},
}

type sample struct {
	mib int
	ns  map[string]float64 // way → median ns/op; missing: did not run
}

func main() {
	title := flag.String("title", "Handing data to another process", "chart title")
	note := flag.String("note", "", "second line under the title (the machine, the runs)")
	flag.Parse()
	samples, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "handoffchart:", err)
		os.Exit(1)
	}
	if len(samples) == 0 {
		fmt.Fprintln(os.Stderr, "handoffchart: no input")
		os.Exit(1)
	}
	if _, err := io.WriteString(os.Stdout, render(samples, *title, *note)); err != nil {
		fmt.Fprintln(os.Stderr, "handoffchart:", err)
		os.Exit(1)
	}
}

// parse reads the input lines; sizes keep their first-seen order.
func parse(r io.Reader) ([]*sample, error) {
	var out []*sample
	bySize := map[int]*sample{}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("line %d: %q is not \"<MiB> <way> <ns>\"", line, sc.Text())
		}
		mib, err := strconv.Atoi(f[0])
		if err != nil || mib < 1 {
			return nil, fmt.Errorf("line %d: bad size %q", line, f[0])
		}
		s := bySize[mib]
		if s == nil {
			s = &sample{mib: mib, ns: map[string]float64{}}
			bySize[mib] = s
			out = append(out, s)
		}
		if f[2] == "-" {
			continue
		}
		ns, err := strconv.ParseFloat(f[2], 64)
		if err != nil || ns <= 0 {
			return nil, fmt.Errorf("line %d: bad time %q", line, f[2])
		}
		s.ns[f[1]] = ns
	}
	return out, sc.Err()
}

// gbps is the throughput of n MiB in ns nanoseconds, in GB/s (10^9 B/s).
func gbps(mib int, ns float64) float64 { return float64(mib<<20) / ns }

// niceStep returns a round tick step (1, 2 or 5 × 10^k) for an axis up to max.
func niceStep(max float64) float64 {
	raw := max / 5
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func fmtTime(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.3g ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.3g µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

func render(samples []*sample, title, note string) string {
	const (
		barW, barGap, groupGap = 34.0, 4.0, 40.0
		left, right, top       = 70.0, 20.0, 70.0
		plotH, bottom, legendH = 260.0, 50.0, 24.0
	)
	groupW := float64(len(ways))*(barW+barGap) - barGap
	width := left + right + float64(len(samples))*(groupW+groupGap)
	if width < 640 {
		width = 640
	}
	height := top + plotH + bottom + legendH*float64((len(ways)+1)/2)

	max := 0.0
	for _, s := range samples {
		for _, w := range ways {
			if ns, ok := s.ns[w.name]; ok {
				max = math.Max(max, gbps(s.mib, ns))
			}
		}
	}
	if max == 0 {
		max = 1
	}
	step := niceStep(max)
	ymax := math.Ceil(max/step) * step
	y := func(v float64) float64 { return top + plotH - v/ymax*plotH }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%.0f" y="24" font-size="16" font-weight="bold">%s</text>`+"\n", left, esc(title))
	if note != "" {
		fmt.Fprintf(&b, `<text x="%.0f" y="44" font-size="11" fill="#555555">%s</text>`+"\n", left, esc(note))
	}
	// Axis, grid and tick labels.
	for v := 0.0; v <= ymax+step/2; v += step {
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#e0e0e0"/>`+"\n", left, y(v), width-right, y(v))
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" font-size="11" text-anchor="end">%s</text>`+"\n", left-6, y(v)+4, strconv.FormatFloat(v, 'f', -1, 64))
	}
	fmt.Fprintf(&b, `<text transform="translate(18 %.0f) rotate(-90)" font-size="12" text-anchor="middle">GB/s (size / median time; higher is faster)</text>`+"\n", top+plotH/2)
	// Bars.
	for i, s := range samples {
		x0 := left + groupGap/2 + float64(i)*(groupW+groupGap)
		for j, w := range ways {
			x := x0 + float64(j)*(barW+barGap)
			ns, ok := s.ns[w.name]
			if !ok {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle" fill="#888888">n/a</text>`+"\n", x+barW/2, y(0)-4)
				continue
			}
			v := gbps(s.mib, ns)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.0f" height="%.1f" fill="%s"><title>%s, %d MiB: %s (%.2f GB/s)</title></rect>`+"\n",
				x, y(v), barW, y(0)-y(v), w.color, esc(w.label), s.mib, fmtTime(ns), v)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="9" text-anchor="middle">%s</text>`+"\n", x+barW/2, y(v)-4, esc(fmtTime(ns)))
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="13" text-anchor="middle">%d MiB</text>`+"\n", x0+groupW/2, top+plotH+20, s.mib)
	}
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#000000"/>`+"\n", left, y(0), width-right, y(0))
	// Legend, two columns.
	for j, w := range ways {
		lx := left + float64(j%2)*280
		ly := top + plotH + bottom + float64(j/2)*legendH
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="14" height="14" fill="%s"/>`+"\n", lx, ly-11, w.color)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="12">%s</text>`+"\n", lx+20, ly, esc(w.label))
	}
	b.WriteString("</svg>\n")
	return b.String()
}
