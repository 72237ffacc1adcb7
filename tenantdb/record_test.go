package tenantdb

import (
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestPreparedTextsStayWithinCapacity(t *testing.T) {
	batch := func(texts ...string) *pgx.Batch {
		b := &pgx.Batch{}
		for _, s := range texts {
			b.Queue(s)
		}
		return b
	}
	cases := []struct {
		name     string
		capacity int
		added    [][]string
		ask      []string
		want     bool
		size     int
	}{
		{"nothing recorded", 4, nil, []string{"a"}, false, 0},
		{"all recorded", 4, [][]string{{"a", "b"}}, []string{"b", "a"}, true, 2},
		{"one missing", 4, [][]string{{"a"}}, []string{"a", "b"}, false, 1},
		{"a text recorded twice counts once", 2, [][]string{{"a", "a"}, {"a"}}, []string{"a"}, true, 1},
		{"full: starts again with the new text", 2, [][]string{{"a", "b"}, {"c"}}, []string{"a"}, false, 1},
		{"full: the new text is kept", 2, [][]string{{"a", "b"}, {"c"}}, []string{"c"}, true, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := make(preparedTexts)
			for _, texts := range c.added {
				p.addAll(batch(texts...), c.capacity)
			}
			if got := p.hasAll(batch(c.ask...)); got != c.want {
				t.Errorf("hasAll(%q) = %v, want %v (record %v)", c.ask, got, c.want, p)
			}
			if len(p) != c.size {
				t.Errorf("record holds %d texts, want %d", len(p), c.size)
			}
		})
	}
	var none preparedTexts
	if !none.hasAll(batch("a")) {
		t.Error("a nil record (connections that do not prepare) must let every pipeline go in one round trip")
	}
	none.addAll(batch("a"), 1) // must not panic
}
