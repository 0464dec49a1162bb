package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// A headless Chromium (Debian chromium, driven over the DevTools protocol
// with chromedp) for the console's browser tests, and the steps they use.
// Screenshots go to $EDGEGATE_ARTIFACTS/console when that is set (kept
// after the run), else to the test's temporary directory.

type browser struct {
	t      *testing.T
	mu     sync.Mutex
	jsErrs []string // uncaught exceptions and console.error calls
	ctx    context.Context
	base   string // http://<admin>/console/
	shots  string // where screenshots go
	width  int64
	height int64
}

// artifactDir is where the console tests write screenshots.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if a := os.Getenv("EDGEGATE_ARTIFACTS"); a != "" {
		dir = filepath.Join(a, "console")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// newBrowser starts Chromium with a width x height viewport; the test's
// cleanup stops it.
func newBrowser(t *testing.T, base, shots string, width, height int64) *browser {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed: run make deps (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(int(width), int(height)))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	b := &browser{t: t, ctx: ctx, base: base, shots: shots, width: width, height: height}
	err = chromedp.Listen(ctx, func(ev any) {
		var msg string
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg = e.ExceptionDetails.Text
			if x := e.ExceptionDetails.Exception; x != nil {
				msg += " " + x.Description
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type != runtime.ConsoleAPICalledTypeError {
				return
			}
			for _, a := range e.Args {
				msg += " " + string(a.Value) + a.Description
			}
		default:
			return
		}
		b.mu.Lock()
		b.jsErrs = append(b.jsErrs, msg)
		b.mu.Unlock()
	})
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	// The page must run without a script error.
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range b.jsErrs {
			t.Errorf("%dpx: script error in the console: %s", width, e)
		}
	})
	// The first run starts the browser; it must not have a deadline (the
	// browser would stop with it).
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return b
}

// do runs steps within 20 s; a failure stops the test after a screenshot.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.failShot(what)
		b.mu.Lock()
		b.t.Logf("script errors so far: %q", b.jsErrs)
		b.mu.Unlock()
		b.t.Fatalf("%s: %v\npage text:\n%s", what, err, b.pageText())
	}
}

// eval evaluates js (awaiting a promise) and decodes its value into a T.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.failShot("eval")
		b.t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// waitJS waits until the expression is truthy.
func (b *browser) waitJS(what, cond string) {
	b.t.Helper()
	b.do(what, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[any](cond, chromedp.WithPollingTimeout(15*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))(ctx, t)
		return err
	}))
}

// waitText waits until the element sel's text holds want.
func (b *browser) waitText(sel, want string) {
	b.t.Helper()
	b.waitJS(fmt.Sprintf("%s to say %q", sel, want), fmt.Sprintf(`(() => { const e = document.querySelector(%s); return !!e && !e.closest('[hidden]') && e.textContent.includes(%s); })()`, jsq(sel), jsq(want)))
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(document.querySelector(%s) || {textContent: ''}).textContent`, jsq(sel)))
}

func (b *browser) pageText() string {
	ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ''`))
	return s
}

// open goes to a console page (hash "#/...") and waits for its heading.
func (b *browser) open(hash, heading string) {
	b.t.Helper()
	b.do("open "+hash, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = %s`, jsq(hash))))
	b.waitText("main h1", heading)
	b.waitJS("the page to settle", `!document.querySelector('main').hasAttribute('aria-busy')`)
}

// fill types text into the field sel (emptied first), with key events.
func (b *browser) fill(sel, text string) {
	b.t.Helper()
	// chromedp.Clear empties the value attribute, not what was typed.
	b.do("fill "+sel, chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { document.querySelector(%s).value = ""; })()`, jsq(sel))),
		chromedp.SendKeys(chromedp.CSS(sel), text))
}

// choose selects, in the select sel, the option whose value is value, or else the first whose
// text contains it, and fires the change event. An exact value wins, since version 20261207135526 is a
// prefix of 20261207135526-2 when two releases share a second.
func (b *browser) choose(sel, value string) {
	b.t.Helper()
	b.waitJS(fmt.Sprintf("an option %q in %s", value, sel), fmt.Sprintf(`(() => { const s = document.querySelector(%s);
		return !!s && [...s.options].some((o) => o.value === %s || o.textContent.includes(%s)); })()`, jsq(sel), jsq(value), jsq(value)))
	ok := eval[bool](b, fmt.Sprintf(`(() => { const s = document.querySelector(%s); if (!s) return false;
		const os = [...s.options], o = os.find((o) => o.value === %s) || os.find((o) => o.textContent.includes(%s)); if (!o) return false;
		s.value = o.value; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, jsq(sel), jsq(value), jsq(value)))
	if !ok {
		b.failShot("choose")
		b.t.Fatalf("select %s has no option %q", sel, value)
	}
}

func (b *browser) click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// shot saves a full-page screenshot as <name>-<width>.png.
func (b *browser) shot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.WriteFile(filepath.Join(b.shots, fmt.Sprintf("%s-%d.png", name, b.width)), png, 0o644)
	}
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
}

func (b *browser) failShot(what string) {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		name := "failure-" + strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return '-'
		}, strings.ToLower(what)) + ".png"
		_ = os.WriteFile(filepath.Join(b.shots, name), png, 0o644)
		b.t.Logf("screenshot of the failure: %s", filepath.Join(b.shots, name))
	}
}

// unlabelled lists the visible form controls on the page (dialogs
// included) that have no associated label.
func (b *browser) unlabelled() []string {
	b.t.Helper()
	return eval[[]string](b, `[...document.querySelectorAll('input, select, textarea')]
		.filter((e) => e.type !== 'hidden' && e.getClientRects().length > 0)
		.filter((e) => !(e.labels && e.labels.length && [...e.labels].some((l) => l.textContent.trim())) && !e.getAttribute('aria-label'))
		.map((e) => e.id || e.name || e.outerHTML.slice(0, 80))`)
}

// labelled fails the test (going on) when the page has controls without
// labels; what names the form.
func (b *browser) labelled(what string) {
	b.t.Helper()
	if u := b.unlabelled(); len(u) > 0 {
		b.t.Errorf("%dpx, %s: controls without labels: %v", b.width, what, u)
	}
}

// tabReaches presses Tab from the top of the page (or of the open dialog)
// until focus has visited every visible control inside scope, and fails
// the test naming those it never reached.
func (b *browser) tabReaches(scope string) {
	b.t.Helper()
	want := eval[[]string](b, fmt.Sprintf(`[...document.querySelector(%s).querySelectorAll('input, select, textarea, button')]
		.filter((e) => e.getClientRects().length > 0 && !e.disabled).map((e, i) => e.id || (e.dataset.tabid = 't' + i))`, jsq(scope)))
	if len(want) == 0 {
		b.t.Fatalf("no controls in %s", scope)
	}
	// Start before the first control: focus the dialog or the body.
	eval[bool](b, `(() => { const d = document.querySelector('dialog[open]'); (d || document.body).focus(); document.activeElement.blur && d == null && document.activeElement.blur(); return true; })()`)
	seen := map[string]bool{}
	limit := 4*len(want) + 40
	for i := 0; i < limit; i++ {
		b.do("press Tab", chromedp.KeyEvent(kbTab))
		id := eval[string](b, `(() => { const e = document.activeElement; return e ? (e.id || e.dataset.tabid || '') : ''; })()`)
		seen[id] = true
		done := true
		for _, w := range want {
			done = done && seen[w]
		}
		if done {
			return
		}
	}
	var missed []string
	for _, w := range want {
		if !seen[w] {
			missed = append(missed, w)
		}
	}
	b.t.Errorf("in %s, Tab never reached %v", scope, missed)
}

const kbTab = "\t"

// overflow is how far the page is wider than the viewport (0 is good).
func (b *browser) overflow() int {
	b.t.Helper()
	return eval[int](b, `Math.max(0, document.documentElement.scrollWidth - window.innerWidth)`)
}

// fits fails the test (going on) when the page is wider than the screen
// or the navigation is off it.
func (b *browser) fits(what string) {
	b.t.Helper()
	if o := b.overflow(); o > 0 {
		b.t.Errorf("%dpx: %s is %dpx wider than the screen", b.width, what, o)
	}
	if !eval[bool](b, `(() => { const n = document.querySelector('#nav'); if (n.hidden) return true;
		const r = n.getBoundingClientRect(); return r.width > 0 && r.right <= window.innerWidth + 1; })()`) {
		b.t.Errorf("%dpx: the navigation is not on screen on %s", b.width, what)
	}
}

func jsq(s string) string { return strconv.Quote(s) }

func navigate(u string) chromedp.Action[chromedp.Void] { return chromedp.Navigate(u) }

// closeDialog closes the open dialog with its close button.
func closeDialog() chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Click(chromedp.CSS("dialog[open] .close")), chromedp.WaitNotPresent(chromedp.CSS("dialog[open]")))
}
