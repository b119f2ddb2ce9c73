package main

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// TestRender checks that the chart is well-formed XML with one bar per
// measured way and size, and "n/a" for one that did not run.
func TestRender(t *testing.T) {
	in := "1 pipe 300000\n1 memfd 600000\n1 memfd-huge -\n1 reused 80000\n1 reused-pieces 70000\n1 floor 70000\n" +
		"16 pipe 5e6\n16 memfd 1e7\n16 memfd-huge 3e6\n16 reused 1.2e6\n16 reused-pieces 9e5\n16 floor 1.1e6\n"
	samples, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	svg := render(samples, "t & <t>", "note")
	d := xml.NewDecoder(strings.NewReader(svg))
	bars := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rect" {
			for _, a := range se.Attr {
				if a.Name.Local == "height" && a.Value != "14" && a.Value != "100%" {
					bars++
				}
			}
		}
	}
	if bars != 11 {
		t.Errorf("%d bars, want 11", bars)
	}
	if strings.Count(svg, ">n/a<") != 1 {
		t.Errorf("want one n/a label:\n%s", svg)
	}
	for _, want := range []string{"300 µs", "1.2 ms", "t &amp; &lt;t&gt;"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"1 pipe", "x pipe 5", "1 pipe -3", "1 pipe abc"} {
		if _, err := parse(strings.NewReader(in)); err == nil {
			t.Errorf("parse(%q) succeeded", in)
		}
	}
}
