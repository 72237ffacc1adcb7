package tenantdb

import "testing"

func TestRecentTenantsAdmitsOnTheSecondVisit(t *testing.T) {
	cases := []struct {
		name   string
		size   int
		visits []int64
		want   []bool // seen, per visit
	}{
		{"off", 0, []int64{1, 1, 1}, []bool{false, false, false}},
		{"a tenant coming back", 2, []int64{1, 1, 1}, []bool{false, true, true}},
		{"two taking turns within the size", 2, []int64{1, 2, 1, 2}, []bool{false, false, true, true}},
		{"more taking turns than the size", 2, []int64{1, 2, 3, 1, 2, 3}, []bool{false, false, false, false, false, false}},
		{"the least recent goes first", 2, []int64{1, 2, 1, 3, 1, 2}, []bool{false, false, true, false, true, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRecentTenants(c.size)
			for i, id := range c.visits {
				if got := r.seen(id); got != c.want[i] {
					t.Errorf("visit %d (tenant %d): seen = %v, want %v", i, id, got, c.want[i])
				}
			}
		})
	}
}
