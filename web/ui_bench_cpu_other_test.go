//go:build !linux

package web

import "time"

// threadCPUTime is not measured outside Linux; the benchmark's cpu-p99
// metric then reads 0.
func threadCPUTime() time.Duration { return 0 }
