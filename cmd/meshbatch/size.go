package main

import (
	"errors"
	"strconv"
	"strings"
)

// byteSize is a flag value in bytes that takes a unit: 64MiB, 512K, 1G
// (K, M and G, with or without "iB", are powers of 1024). It must be
// positive: there is no "no limit".
type byteSize int64

var sizeUnits = []struct {
	suffix string
	factor int64
}{
	{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1},
}

func (b *byteSize) String() string {
	v := int64(*b)
	for _, u := range sizeUnits[:3] {
		if v >= u.factor && v%u.factor == 0 {
			return strconv.FormatInt(v/u.factor, 10) + u.suffix
		}
	}
	return strconv.FormatInt(v, 10)
}

func (b *byteSize) Set(s string) error {
	num, factor := strings.TrimSpace(s), int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(strings.ToUpper(num), strings.ToUpper(u.suffix)) {
			num, factor = strings.TrimSpace(num[:len(num)-len(u.suffix)]), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	switch {
	case err != nil:
		return errors.New("not a size: write bytes, or a number with K, M or G, like 128MiB")
	case n <= 0:
		return errors.New("the limit must be positive")
	case n > (1<<62)/factor:
		return errors.New("too large")
	}
	*b = byteSize(n * factor)
	return nil
}

func (b *byteSize) Type() string { return "size" }

// positiveInt is an int flag value that must be above zero.
type positiveInt int

func (p *positiveInt) String() string { return strconv.Itoa(int(*p)) }

func (p *positiveInt) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	switch {
	case err != nil:
		return errors.New("not a whole number")
	case n <= 0:
		return errors.New("the limit must be positive")
	}
	*p = positiveInt(n)
	return nil
}

func (p *positiveInt) Type() string { return "int" }
