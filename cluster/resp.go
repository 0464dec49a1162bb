package cluster

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// conn is one RESP2 connection (https://redis.io/docs/latest/develop/reference/protocol-spec/):
// commands are arrays of bulk strings, written in a batch and flushed
// once (a pipeline), replies read in order. Only the lessor goroutine
// uses it.
type conn struct {
	nc      net.Conn
	r       *bufio.Reader
	w       *bufio.Writer
	timeout time.Duration
}

// Options says how to reach Redis: at Addr, or as the primary that
// Sentinels name MasterName (sentinel.go).
type Options struct {
	Addr     string      // host:port; empty with Sentinels
	Username string      // ACL user (Redis 6+); empty: AUTH with the password alone
	Password string      // empty: no AUTH
	DB       int         // SELECT (standalone Redis only)
	TLS      *tls.Config // nil: plain TCP
	// Timeout bounds a dial and each round trip (default 500 ms).
	Timeout time.Duration

	// Sentinels (host:port each) are asked for the primary of MasterName
	// at every (re)connection. Username, Password, DB and TLS apply to
	// the primary; the sentinels take SentinelUsername and
	// SentinelPassword, and TLS too (when it names no server, each
	// connection verifies its own host).
	Sentinels                          []string
	MasterName                         string
	SentinelUsername, SentinelPassword string
}

// redisError is an error reply (-ERR ..., -NOSCRIPT ...).
type redisError string

func (e redisError) Error() string { return "redis: " + string(e) }

func dial(o *Options) (*conn, error) {
	d := net.Dialer{Timeout: o.Timeout}
	var nc net.Conn
	var err error
	if o.TLS != nil {
		nc, err = tls.DialWithDialer(&d, "tcp", o.Addr, o.TLS)
	} else {
		nc, err = d.Dial("tcp", o.Addr)
	}
	if err != nil {
		return nil, err
	}
	c := &conn{nc: nc, r: bufio.NewReaderSize(nc, 16<<10), w: bufio.NewWriterSize(nc, 16<<10), timeout: o.Timeout}
	var setup [][]string
	if o.Password != "" {
		if o.Username != "" {
			setup = append(setup, []string{"AUTH", o.Username, o.Password})
		} else {
			setup = append(setup, []string{"AUTH", o.Password})
		}
	}
	if o.DB != 0 {
		setup = append(setup, []string{"SELECT", strconv.Itoa(o.DB)})
	}
	setup = append(setup, []string{"PING"})
	for _, cmd := range setup {
		c.write(cmd...)
	}
	replies, err := c.flush(len(setup))
	if err == nil {
		for _, r := range replies {
			if e, ok := r.(redisError); ok {
				err = e
				break
			}
		}
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

func (c *conn) close() { c.nc.Close() }

// write queues one command.
func (c *conn) write(args ...string) {
	c.w.WriteByte('*')
	c.w.WriteString(strconv.Itoa(len(args)))
	c.w.WriteString("\r\n")
	for _, a := range args {
		c.w.WriteByte('$')
		c.w.WriteString(strconv.Itoa(len(a)))
		c.w.WriteString("\r\n")
		c.w.WriteString(a)
		c.w.WriteString("\r\n")
	}
}

// flush sends the queued commands and reads n replies within the
// timeout. A transport or protocol error leaves the connection unusable;
// error replies come back as redisError values.
func (c *conn) flush(n int) ([]any, error) {
	c.nc.SetDeadline(time.Now().Add(c.timeout))
	if err := c.w.Flush(); err != nil {
		return nil, err
	}
	out := make([]any, n)
	for i := range out {
		v, err := c.read()
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// read parses one reply: string (simple or bulk), int64, nil, []any or
// redisError.
func (c *conn) read() (any, error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, errors.New("redis: malformed reply")
	}
	body := string(line[1 : len(line)-2])
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return redisError(body), nil
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 || n > 512<<20 {
			return nil, errors.New("redis: bad bulk length")
		}
		if n < 0 {
			return nil, nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, b); err != nil {
			return nil, err
		}
		return string(b[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 || n > 1<<20 {
			return nil, errors.New("redis: bad array length")
		}
		if n < 0 {
			return nil, nil
		}
		a := make([]any, n)
		for i := range a {
			if a[i], err = c.read(); err != nil {
				return nil, err
			}
		}
		return a, nil
	}
	return nil, fmt.Errorf("redis: unknown reply type %q", line[0])
}

// Check validates o (an edge flag error, not a connection attempt).
func (o *Options) Check() error {
	if len(o.Sentinels) > 0 {
		if o.Addr != "" {
			return fmt.Errorf("--redis and --redis-sentinel: give one of them")
		}
		if o.MasterName == "" {
			return fmt.Errorf("--redis-sentinel needs --redis-master, the name the sentinels monitor the primary under")
		}
		for _, s := range o.Sentinels {
			if _, port, err := net.SplitHostPort(s); err != nil || port == "" {
				return fmt.Errorf("--redis-sentinel %q: want host:port", s)
			}
		}
		return nil
	}
	host, port, err := net.SplitHostPort(o.Addr)
	if err != nil || port == "" {
		return fmt.Errorf("--redis %q: want host:port", o.Addr)
	}
	if o.TLS != nil && o.TLS.ServerName == "" {
		o.TLS.ServerName = host
	}
	return nil
}
