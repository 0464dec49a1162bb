//go:build !unix

package limiter

func mapWords(uint64) (words, bool) { return words{}, false }
