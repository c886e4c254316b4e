// Package suggest finds the known word a user most likely meant, for
// "did you mean" hints on typos in subcommands, flags and tool names.
package suggest

// Closest returns the candidate nearest to word by edit distance, or "" when
// none is close enough to be a plausible typo (at most a third of the word's
// length, and at least one edit).
func Closest(word string, candidates []string) string {
	best, bestDist := "", len(word)/3+1
	if bestDist < 2 {
		bestDist = 2
	}
	bestDist++ // strictly below the limit below
	for _, c := range candidates {
		if d := distance(word, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
