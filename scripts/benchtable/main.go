// Command benchtable turns the output of scripts/bench.sh (go test -bench
// runs and the noise-suppression evaluation) into one Markdown table: every
// benchmark of the project with its figure, the aim from the issues, whether
// the aim is met, and the reference it is compared against.
//
//	go run ./scripts/benchtable OUTPUT-FILE...
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: benchtable FILE... (go test -bench output, nseval output; - for stdin)")
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	o := newRunOutput()
	for _, name := range flag.Args() {
		if err := readFile(o, name); err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(1)
		}
	}
	if len(o.results) == 0 && len(o.extras) == 0 && len(o.statuses) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no benchmark results in", strings.Join(flag.Args(), " "))
		os.Exit(1)
	}
	write(os.Stdout, o)
}

func readFile(o *runOutput, name string) error {
	if name == "-" {
		return o.read(os.Stdin)
	}
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := o.read(f); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// row is one line of the table.
type row struct{ area, name, figure, aim, met, ref string }

func write(w io.Writer, o *runOutput) {
	rows := buildRows(o)
	fmt.Fprintln(w, "| Area | Benchmark | Figure | Aim (issue) | Met | Reference |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.area, r.name, r.figure, r.aim, r.met, r.ref)
	}
	if len(o.steps) > 0 {
		fmt.Fprintln(w)
		var total float64
		var parts []string
		for _, s := range o.steps {
			total += s.seconds
			p := fmt.Sprintf("%s %.0fs", s.name, s.seconds)
			if s.exit != 0 {
				p += fmt.Sprintf(" (exit %d)", s.exit)
			}
			parts = append(parts, p)
		}
		fmt.Fprintf(w, "Run time %.0f s: %s.\n", total, strings.Join(parts, ", "))
	}
}

func buildRows(o *runOutput) []row {
	used := map[string]bool{}
	var rows []row
	for _, e := range catalogue {
		var names []string
		for _, n := range o.order {
			if !used[n] && e.pattern.MatchString(n) {
				names = append(names, n)
				used[n] = true
			}
		}
		for _, n := range names {
			rows = append(rows, resultRow(o, e, o.results[n]))
		}
		for _, want := range e.expect {
			if o.has(want) {
				continue
			}
			st, ok := o.statuses[want]
			if !ok {
				st = statusOfParent(o, want)
			}
			figure := "not run"
			if st.state != "" {
				figure = st.state
				if st.reason != "" {
					figure += ": " + st.reason
				}
			}
			rows = append(rows, row{area: e.area, name: short(want), figure: escape(figure), aim: e.aim, met: "—", ref: "—"})
		}
		if e.extra != nil {
			rows = append(rows, e.extra(o)...)
		}
	}
	var other []string
	for _, n := range o.order {
		if !used[n] {
			other = append(other, n)
		}
	}
	sort.Strings(other)
	for _, n := range other {
		rows = append(rows, resultRow(o, entry{area: "other", aim: "—"}, o.results[n]))
	}
	return rows
}

// statusOfParent finds a skip or failure of the top-level benchmark of a sub-benchmark.
func statusOfParent(o *runOutput, name string) status {
	if i := strings.Index(name, "/"); i > 0 {
		return o.statuses[name[:i]]
	}
	return status{}
}

func resultRow(o *runOutput, e entry, r result) row {
	var figs []string
	shows := e.show
	if len(shows) == 0 {
		for _, u := range sortedUnits(r.metrics) {
			shows = append(shows, show{unit: u, label: u})
		}
	}
	for _, s := range shows {
		v, ok := r.metrics[s.unit]
		if !ok {
			continue
		}
		k := s.scale
		if k == 0 {
			k = 1
		}
		f := num(v*k) + " " + s.label
		if len(r.runs) > 1 && len(figs) == 0 { // the row's first figure: how it spread
			lo, hi := r.spread(s.unit)
			f += fmt.Sprintf(" (median of %d runs, %s–%s)", len(r.runs), num(lo*k), num(hi*k))
		}
		figs = append(figs, f)
	}
	if len(figs) == 0 {
		figs = append(figs, "no figure")
	}
	met := "—"
	if len(e.conds) > 0 {
		met = "yes"
		for _, c := range e.conds {
			v, ok := r.metrics[c.unit]
			switch {
			case !ok:
				met = "?"
			case c.max && v > c.lim, !c.max && v < c.lim:
				met = "**no**"
			}
			if met == "**no**" {
				break
			}
		}
	}
	ref := "—"
	if e.ref != nil {
		if s := e.ref(o, r); s != "" {
			ref = s
		}
	}
	return row{area: e.area, name: short(r.name), figure: strings.Join(figs, ", "), aim: e.aim, met: met, ref: ref}
}

func sortedUnits(m map[string]float64) []string {
	var us []string
	for u := range m {
		us = append(us, u)
	}
	sort.Slice(us, func(i, j int) bool { // custom metrics first, then ns/op
		ci, cj := strings.Contains(us[i], "/op"), strings.Contains(us[j], "/op")
		if ci != cj {
			return !ci
		}
		return us[i] < us[j]
	})
	return us
}

// short writes "pkg/path.BenchmarkX/sub" as "pkg/path BenchmarkX/sub".
func short(name string) string {
	pkg, bench, ok := strings.Cut(name, ".Benchmark")
	if !ok {
		return name
	}
	return pkg + " Benchmark" + bench
}

// num prints a figure with 3 significant digits (no exponent).
func num(v float64) string {
	a := v
	if a < 0 {
		a = -a
	}
	switch {
	case a == 0:
		return "0"
	case a >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}

func escape(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

// has tells whether a result named name, or a sub-benchmark of it, exists.
func (o *runOutput) has(name string) bool {
	for _, n := range o.order {
		if n == name || strings.HasPrefix(n, name+"/") {
			return true
		}
	}
	return false
}
