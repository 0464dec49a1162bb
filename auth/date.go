package auth

// ParseHTTPDate reads an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT",
// RFC 9110 §5.6.7, the form the seed's examples use) into unix seconds.
// The obsolete RFC 850 and asctime forms are not accepted. It does not
// allocate.
func ParseHTTPDate(b []byte) (int64, bool) {
	if len(b) != 29 || b[3] != ',' || b[4] != ' ' || b[7] != ' ' || b[11] != ' ' ||
		b[16] != ' ' || b[19] != ':' || b[22] != ':' || b[25] != ' ' || string(b[26:]) != "GMT" {
		return 0, false
	}
	mon := month(b[8:11])
	day, ok1 := num2(b[5:7])
	year, ok2 := num(b[12:16])
	hh, ok3 := num2(b[17:19])
	mm, ok4 := num2(b[20:22])
	ss, ok5 := num2(b[23:25])
	if mon < 0 || !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 {
		return 0, false
	}
	return daysFromCivil(year, mon+1, day)*86400 + int64(hh*3600+mm*60+ss), true
}

// month is the index of a three-letter month name (case-sensitive, as
// RFC 9110's IMF-fixdate), or -1: one switch on the packed bytes instead
// of twelve comparisons (with num2: BenchmarkParseHTTPDate 60 -> 22 ns).
func month(b []byte) int {
	switch uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]) {
	case 'J'<<16 | 'a'<<8 | 'n':
		return 0
	case 'F'<<16 | 'e'<<8 | 'b':
		return 1
	case 'M'<<16 | 'a'<<8 | 'r':
		return 2
	case 'A'<<16 | 'p'<<8 | 'r':
		return 3
	case 'M'<<16 | 'a'<<8 | 'y':
		return 4
	case 'J'<<16 | 'u'<<8 | 'n':
		return 5
	case 'J'<<16 | 'u'<<8 | 'l':
		return 6
	case 'A'<<16 | 'u'<<8 | 'g':
		return 7
	case 'S'<<16 | 'e'<<8 | 'p':
		return 8
	case 'O'<<16 | 'c'<<8 | 't':
		return 9
	case 'N'<<16 | 'o'<<8 | 'v':
		return 10
	case 'D'<<16 | 'e'<<8 | 'c':
		return 11
	}
	return -1
}

// num2 reads two decimal digits.
func num2(b []byte) (int, bool) {
	d0, d1 := b[0]-'0', b[1]-'0'
	return int(d0)*10 + int(d1), d0 <= 9 && d1 <= 9
}

// daysFromCivil is the days from 1970-01-01 to year-month-day in the
// proleptic Gregorian calendar (H. Hinnant's days_from_civil): the
// arithmetic time.Date does, without its normalisation passes (a third
// of a signed request's parsing). A day past the month's end runs on
// into the next month, as with time.Date.
func daysFromCivil(y, m, d int) int64 {
	mp := m - 3 // months from March: the leap day ends the year
	if m <= 2 {
		y, mp = y-1, m+9
	}
	era := y / 400
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

func num(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
