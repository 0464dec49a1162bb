package store

import (
	"errors"
	"reflect"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/tidwall/buntdb"
)

// BuntDB does not say what a transaction will write, and the marker (see
// format.go) has to be part of that same write. txinfo reads it from the
// transaction's unexported write context with reflect, read-only: the map of
// pending items (commitItems) and whether DeleteAll ran (rbkeys, which makes
// Commit write FLUSHDB first). The layout is checked once against
// github.com/tidwall/buntdb v1.3.0; if a new version changes it, Open fails
// with errTxLayout instead of writing files it cannot verify, and
// TestTxLayout points here.

var errTxLayout = errors.New("store: unsupported github.com/tidwall/buntdb version: the Tx layout changed (see admin/store/txinfo.go)")

type txLayout struct {
	wc          []int // Tx.wc (*txWriteContext)
	commitItems []int // txWriteContext.commitItems (map[string]*dbItem)
	rbkeys      []int // txWriteContext.rbkeys (pointer, non-nil after DeleteAll)
	key, val    []int // dbItem.key, dbItem.val (string)
	opts        []int // dbItem.opts (*dbItemOpts)
	ex, exat    []int // dbItemOpts.ex (bool), dbItemOpts.exat (time.Time)
}

var (
	layoutOnce sync.Once
	layout     txLayout
	layoutErr  error
)

func field(t reflect.Type, name string, kind reflect.Kind) ([]int, reflect.Type, bool) {
	if t.Kind() != reflect.Struct {
		return nil, nil, false
	}
	f, ok := t.FieldByName(name)
	if !ok || f.Type.Kind() != kind {
		return nil, nil, false
	}
	return f.Index, f.Type, true
}

func loadLayout() (txLayout, error) {
	layoutOnce.Do(func() {
		var l txLayout
		var ok bool
		var wcT, ciT, optsT reflect.Type
		bad := func() { layoutErr = errTxLayout }
		if l.wc, wcT, ok = field(reflect.TypeOf(buntdb.Tx{}), "wc", reflect.Pointer); !ok {
			bad()
			return
		}
		wc := wcT.Elem()
		if l.commitItems, ciT, ok = field(wc, "commitItems", reflect.Map); !ok ||
			ciT.Key().Kind() != reflect.String || ciT.Elem().Kind() != reflect.Pointer {
			bad()
			return
		}
		if l.rbkeys, _, ok = field(wc, "rbkeys", reflect.Pointer); !ok {
			bad()
			return
		}
		item := ciT.Elem().Elem()
		if l.key, _, ok = field(item, "key", reflect.String); !ok {
			bad()
			return
		}
		if l.val, _, ok = field(item, "val", reflect.String); !ok {
			bad()
			return
		}
		if l.opts, optsT, ok = field(item, "opts", reflect.Pointer); !ok {
			bad()
			return
		}
		if l.ex, _, ok = field(optsT.Elem(), "ex", reflect.Bool); !ok {
			bad()
			return
		}
		var exatT reflect.Type
		if l.exat, exatT, ok = field(optsT.Elem(), "exat", reflect.Struct); !ok || exatT != reflect.TypeOf(time.Time{}) {
			bad()
			return
		}
		layout = l
	})
	return layout, layoutErr
}

// pendingWrite describes what Commit will append for a transaction: the
// number of commands and the sum of their hashes (see format.go).
type pendingWrite struct {
	commands int
	sum      uint64
}

// pending inspects a writable transaction just before it commits.
func pending(tx *buntdb.Tx) (pendingWrite, error) {
	l, err := loadLayout()
	if err != nil {
		return pendingWrite{}, err
	}
	var p pendingWrite
	wc := reflect.ValueOf(tx).Elem().FieldByIndex(l.wc)
	if wc.IsNil() {
		return p, errors.New("store: not a writable transaction")
	}
	wc = wc.Elem()
	if !wc.FieldByIndex(l.rbkeys).IsNil() {
		// Commit writes FLUSHDB before the items.
		p.commands++
		p.sum += commandHash("flushdb")
	}
	items := wc.FieldByIndex(l.commitItems)
	for it := items.MapRange(); it.Next(); {
		key := it.Key().String()
		item := it.Value()
		p.commands++
		if item.IsNil() {
			p.sum += commandHash("del", key)
			continue
		}
		item = item.Elem()
		val := item.FieldByIndex(l.val).String()
		if opts := item.FieldByIndex(l.opts); !opts.IsNil() && opts.Elem().FieldByIndex(l.ex).Bool() {
			// BuntDB v1.3.0 writes "ae <unix seconds>" (useAbsEx).
			exat := opts.Elem().FieldByIndex(l.exat)
			t := *(*time.Time)(unsafe.Pointer(exat.UnsafeAddr()))
			p.sum += commandHash("set", key, val, "ae", strconv.FormatUint(uint64(t.Unix()), 10))
			continue
		}
		p.sum += commandHash("set", key, val)
	}
	return p, nil
}
