package auth

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// ParseHTTPDate reads an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT",
// RFC 9110 §5.6.7, the form the seed's examples use) into unix seconds.
// The obsolete RFC 850 and asctime forms are not accepted. It does not
// allocate.
func ParseHTTPDate(b []byte) (int64, bool) {
	if len(b) != 29 || b[3] != ',' || b[4] != ' ' || b[7] != ' ' || b[11] != ' ' ||
		b[16] != ' ' || b[19] != ':' || b[22] != ':' || b[25] != ' ' || string(b[26:]) != "GMT" {
		return 0, false
	}
	mon := -1
	for i, m := range months {
		if string(b[8:11]) == m {
			mon = i
		}
	}
	day, ok1 := num(b[5:7])
	year, ok2 := num(b[12:16])
	hh, ok3 := num(b[17:19])
	mm, ok4 := num(b[20:22])
	ss, ok5 := num(b[23:25])
	if mon < 0 || !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 {
		return 0, false
	}
	return daysFromCivil(year, mon+1, day)*86400 + int64(hh*3600+mm*60+ss), true
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
