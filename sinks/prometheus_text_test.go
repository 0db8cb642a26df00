package sinks

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"meterflow/processors"
)

func promSample(name, typ string, volume, resourceID, projectID any) processors.Sample {
	return processors.Sample{Name: name, Type: typ, Unit: "B", Volume: volume, ResourceID: resourceID, ProjectID: projectID, UserID: "u"}
}

func TestPrometheusBody(t *testing.T) {
	huge, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	for _, tc := range []struct {
		name     string
		samples  []processors.Sample
		want     string
		rejected []int
	}{{
		name: "Ceilometer's text: TYPE once per name, dots as underscores, %s of ids and volumes",
		samples: []processors.Sample{
			promSample("disk.root.size", "gauge", int64(20), "inst-1", "proj-1"),
			promSample("cpu", "cumulative", float64(1.5e16), "inst-1", "proj-1"),
			promSample("disk.root.size", "gauge", float64(10), "inst-2", nil),
			promSample("image.serve", "delta", float64(0.0001), int64(42), "proj-1"),
		},
		want: "# TYPE disk_root_size gauge\n" +
			"disk_root_size{resource_id=\"inst-1\", project_id=\"proj-1\"} 20\n" +
			"# TYPE cpu counter\n" +
			"cpu{resource_id=\"inst-1\", project_id=\"proj-1\"} 1.5e+16\n" +
			"disk_root_size{resource_id=\"inst-2\", project_id=\"None\"} 10.0\n" +
			"image_serve{resource_id=\"42\", project_id=\"proj-1\"} 0.0001\n",
	}, {
		name: "a delta before a gauge of the same name still gets the TYPE line first",
		samples: []processors.Sample{
			promSample("m", "delta", int64(1), "a", "p"),
			promSample("m", "gauge", int64(2), "b", "p"),
		},
		want: "# TYPE m gauge\nm{resource_id=\"a\", project_id=\"p\"} 1\nm{resource_id=\"b\", project_id=\"p\"} 2\n",
	}, {
		name: "of duplicate series only the last is written",
		samples: []processors.Sample{
			promSample("m", "gauge", int64(1), "a", "p"),
			promSample("n", "gauge", int64(5), "a", "p"),
			promSample("m", "gauge", int64(2), "a", "p"),
		},
		want: "# TYPE n gauge\nn{resource_id=\"a\", project_id=\"p\"} 5\n# TYPE m gauge\nm{resource_id=\"a\", project_id=\"p\"} 2\n",
	}, {
		name: "label values are escaped",
		samples: []processors.Sample{
			promSample("m", "gauge", int64(1), "a\"b\\c\nd", "p"),
		},
		want: "# TYPE m gauge\nm{resource_id=\"a\\\"b\\\\c\\nd\", project_id=\"p\"} 1\n",
	}, {
		name: "names are sanitized",
		samples: []processors.Sample{
			promSample("my-meter.x", "gauge", int64(1), "a", "p"),
			promSample("9lives", "gauge", int64(1), "a", "p"),
		},
		want: "# TYPE my_meter_x gauge\nmy_meter_x{resource_id=\"a\", project_id=\"p\"} 1\n# TYPE _9lives gauge\n_9lives{resource_id=\"a\", project_id=\"p\"} 1\n",
	}, {
		name: "numbers of every kind, numeric strings verbatim",
		samples: []processors.Sample{
			promSample("a", "gauge", huge, "r", "p"),
			promSample("b", "gauge", math.Inf(-1), "r", "p"),
			promSample("c", "gauge", "12.5", "r", "p"),
		},
		want: "# TYPE a gauge\na{resource_id=\"r\", project_id=\"p\"} 123456789012345678901234567890\n" +
			"# TYPE b gauge\nb{resource_id=\"r\", project_id=\"p\"} -inf\n" +
			"# TYPE c gauge\nc{resource_id=\"r\", project_id=\"p\"} 12.5\n",
	}, {
		name: "volumes that are not numbers are rejected, the others written",
		samples: []processors.Sample{
			promSample("a", "gauge", nil, "r", "p"),
			promSample("b", "gauge", true, "r", "p"),
			promSample("c", "gauge", "1 2", "r", "p"),
			promSample("d", "gauge", "1_000", "r", "p"),
			promSample("e", "gauge", int64(3), "r", "p"),
			promSample("", "gauge", int64(3), "r", "p"),
		},
		want:     "# TYPE e gauge\ne{resource_id=\"r\", project_id=\"p\"} 3\n",
		rejected: []int{0, 1, 2, 3, 5},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			body, written, rejected := promBody(tc.samples)
			if string(body) != tc.want {
				t.Errorf("body:\n%s\nwant:\n%s", body, tc.want)
			}
			if written != len(tc.samples)-len(tc.rejected)-countDupes(tc.samples) {
				t.Errorf("written %d", written)
			}
			if len(rejected) != len(tc.rejected) {
				t.Fatalf("rejected %v, want indexes %v", rejected, tc.rejected)
			}
			for _, i := range tc.rejected {
				if !errors.Is(rejected[i], processors.ErrPermanent) {
					t.Errorf("rejected[%d] = %v, want a permanent error", i, rejected[i])
				}
			}
		})
	}
}

// countDupes counts the samples promBody drops as duplicates.
func countDupes(samples []processors.Sample) int {
	seen := map[[3]string]bool{}
	n := 0
	for _, s := range samples {
		k := [3]string{promName(s.Name), promLabel(s.ResourceID), promLabel(s.ProjectID)}
		if seen[k] {
			n++
		}
		seen[k] = true
	}
	return n
}
