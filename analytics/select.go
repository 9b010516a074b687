package analytics

// medianAndP90 returns Median and Percentile(·, 90) of values as if they
// were sorted, without sorting them: two selections cost O(n) where a sort
// of 100,000 response times cost several milliseconds per figure. values
// is reordered. It panics on an empty slice.
func medianAndP90(values []float64) (median, p90 float64) {
	n := len(values)
	mid := n / 2
	selectNth(values, mid)
	median = values[mid]
	if n%2 == 0 {
		// The lower middle value is the largest of those before mid,
		// which selectNth left at or below values[mid].
		lower := values[0]
		for _, v := range values[1:mid] {
			lower = max(lower, v)
		}
		median = (lower + median) / 2
	}
	k := nearestRank(n, 90)
	if k < mid {
		// Only for n = 1 is the p90's rank below the middle; both are 0.
		selectNth(values[:mid], k)
		return median, values[k]
	}
	selectNth(values[mid:], k-mid)
	return median, values[k]
}

// medianOf is Median without sorting; values is reordered.
func medianOf(values []float64) float64 {
	m, _ := medianAndP90(values)
	return m
}

// selectNth reorders values so that values[k] is the value a sort would put
// there, with nothing greater before it and nothing smaller after it
// (Hoare's selection with a three-way partition, so that many equal values,
// common among response times in whole minutes, cost no more than few).
func selectNth(values []float64, k int) {
	lo, hi := 0, len(values) // the answer lies in values[lo:hi]
	for hi-lo > 1 {
		// Median of three as the pivot keeps sorted input linear.
		a, b, c := values[lo], values[lo+(hi-lo)/2], values[hi-1]
		pivot := max(min(a, b), min(max(a, b), c))
		// values[lo:lt] < pivot, values[lt:i] == pivot, values[gt:hi] > pivot.
		lt, i, gt := lo, lo, hi
		for i < gt {
			switch v := values[i]; {
			case v < pivot:
				values[lt], values[i] = values[i], values[lt]
				lt++
				i++
			case v > pivot:
				gt--
				values[gt], values[i] = values[i], values[gt]
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return
		}
	}
}
