//go:build !race

package limiter

const raceOn = false
