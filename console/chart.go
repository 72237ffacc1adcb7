package console

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// chartDays is how many days a chart covers, today included.
const chartDays = 30

// Chart is a bar chart of a count per day, drawn as inline SVG by the
// template from its bars, with its numbers beside it.
type Chart struct {
	ID, Title      string
	Days           []DayCount
	Bars           []Bar
	Total, Max     int64
	Width, Height  int
	FirstDay, Last string
}

// DayCount is one day's number.
type DayCount struct {
	Day time.Time
	N   int64
}

// Bar is one day's bar, in the SVG's coordinates.
type Bar struct {
	X, Y, W, H float64
	Label      string
}

// Chart geometry: the plot's size and its margin for the axis labels.
const (
	chartWidth, chartHeight = 600, 200
	chartBottom             = 20 // room under the bars for the dates
)

// dailyChart reads a count per day with sql (one $1: the days) and lays
// out its bars.
func dailyChart(ctx context.Context, pool *pgxpool.Pool, id, title, sql string) (*Chart, error) {
	rows, err := pool.Query(ctx, sql, chartDays)
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", id, err)
	}
	defer rows.Close()
	c := &Chart{ID: id, Title: title, Width: chartWidth, Height: chartHeight}
	for rows.Next() {
		var d DayCount
		if err := rows.Scan(&d.Day, &d.N); err != nil {
			return nil, fmt.Errorf("chart %s: %w", id, err)
		}
		c.Days = append(c.Days, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("chart %s: %w", id, err)
	}
	c.layout()
	return c, nil
}

// layout computes the bars: equal widths over the plot, heights in
// proportion to the largest count (a chart of zeros has no bars).
func (c *Chart) layout() {
	for _, d := range c.Days {
		c.Total += d.N
		c.Max = max(c.Max, d.N)
	}
	if len(c.Days) == 0 {
		return
	}
	c.FirstDay, c.Last = c.Days[0].Day.Format("Jan 2"), c.Days[len(c.Days)-1].Day.Format("Jan 2")
	slot := float64(c.Width) / float64(len(c.Days))
	plot := float64(c.Height - chartBottom)
	for i, d := range c.Days {
		h := 0.0
		if c.Max > 0 {
			h = plot * float64(d.N) / float64(c.Max)
		}
		c.Bars = append(c.Bars, Bar{X: float64(i)*slot + 1, Y: plot - h, W: slot - 2, H: h,
			Label: fmt.Sprintf("%s: %d", d.Day.Format("2006-01-02"), d.N)})
	}
}
