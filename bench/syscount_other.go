//go:build !amd64

package main

func addArchNames(map[int]string) {}
