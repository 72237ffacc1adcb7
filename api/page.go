package api

// Page is one page of a list, with the total number of entries: the shape
// of every list the API answers.
type Page[T any] struct {
	Count   int64 `json:"count" doc:"how many there are in all"`
	Limit   int   `json:"limit"`
	Offset  int64 `json:"offset"`
	Results []T   `json:"results" nullable:"false"`
}
