// A backend's check of Edgegate's backend signature, written from
// VERIFY.md alone (Node.js standard library only). It reads the request
// exactly as the backend received it on stdin and the key as JSON in
// argv[2]: {"type","key","secret","algorithm","now","allowUnsignedPayload"}
// ("print": true also prints the signature it expects).
// It prints "OK" (exit 0) or "FAIL <reason>" (exit 1).
'use strict';
const crypto = require('crypto');

const opt = JSON.parse(process.argv[2]);
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const reason = verify(Buffer.concat(chunks));
  if (reason) {
    console.log('FAIL ' + reason);
    process.exit(1);
  }
  console.log('OK');
});

function verify(raw) {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return 'no head';
  const lines = raw.subarray(0, end).toString('latin1').split('\r\n');
  const [method, target] = lines[0].split(' ');
  const headers = []; // [lower name, trimmed value] in order
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    headers.push([l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()]);
  }
  const get = (n) => headers.filter((h) => h[0] === n).map((h) => h[1]);
  let body = raw.subarray(end + 4);
  const cl = get('content-length');
  if (cl.length) body = body.subarray(0, Number(cl[0]));

  const authz = get('authorization')[0] || '';
  if (opt.type === 'basic') {
    const want = 'Basic ' + Buffer.from(opt.key + ':' + opt.secret).toString('base64');
    const ok = authz.length === want.length && crypto.timingSafeEqual(Buffer.from(authz), Buffer.from(want));
    return ok ? '' : 'basic credentials';
  }
  const scheme = opt.type === 'hmac' ? 'SDK-HMAC-SHA256'
    : opt.algorithm === 'aes-128-cfb' ? 'SDK-AES-128-CFB' : 'SDK-AES-256-CFB';
  if (!authz.startsWith(scheme + ' ')) return 'scheme';
  const p = {};
  for (const part of authz.slice(scheme.length + 1).split(',')) {
    const s = part.trim();
    const i = s.indexOf('=');
    p[s.slice(0, i)] = s.slice(i + 1);
  }
  if (opt.type === 'hmac' && p.Access !== opt.key) return 'access';
  const signed = (p.SignedHeaders || '').split(';');
  if (!signed.includes('host') || !signed.includes('x-sdk-date')) return 'host and x-sdk-date must be signed';
  const framing = ['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade', 'proxy-connection', 'authorization'];
  for (const [n] of headers) {
    if (!framing.includes(n) && !signed.includes(n)) return 'unsigned header ' + n;
  }
  const date = get('x-sdk-date')[0] || '';
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(date);
  if (!m) return 'date';
  const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
  if (Math.abs(opt.now - t) > 15 * 60) return 'date skew';

  let payload;
  const cs = get('x-sdk-content-sha256');
  if (cs.length) {
    if (cs[0] !== 'UNSIGNED-PAYLOAD') return 'content sha256';
    if (!opt.allowUnsignedPayload) return 'unsigned payload';
    payload = 'UNSIGNED-PAYLOAD';
  } else {
    payload = crypto.createHash('sha256').update(body).digest('hex');
  }

  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  let uri = escape(pctDecode(path, false), true);
  if (!uri.endsWith('/')) uri += '/';
  const pairs = [];
  for (const piece of query.split('&')) {
    if (piece === '' || piece.includes(';')) continue;
    const i = piece.indexOf('=');
    const k = pctDecode(i < 0 ? piece : piece.slice(0, i), true);
    const v = pctDecode(i < 0 ? '' : piece.slice(i + 1), true);
    if (k === null || v === null) continue;
    pairs.push([k, v]);
  }
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]) || Buffer.compare(a[1], b[1]));
  const cq = pairs.map(([k, v]) => escape(k, false) + '=' + escape(v, false)).join('&');
  let ch = '';
  for (const n of signed) {
    const vs = get(n).map((v) => Buffer.from(v, 'latin1')).sort(Buffer.compare);
    for (const v of vs) ch += n + ':' + v.toString('latin1') + '\n';
  }
  const canonical = [method, uri, cq, ch, p.SignedHeaders, payload].join('\n');
  const sts = scheme + '\n' + date + '\n' + crypto.createHash('sha256').update(Buffer.from(canonical, 'latin1')).digest('hex');
  let want;
  if (opt.type === 'hmac') {
    want = crypto.createHmac('sha256', opt.secret).update(sts).digest('hex');
  } else {
    const c = crypto.createCipheriv(opt.algorithm, Buffer.from(opt.key), Buffer.from(opt.secret));
    want = Buffer.concat([c.update(crypto.createHash('sha256').update(sts).digest()), c.final()]).toString('hex');
  }
  if (opt.print) console.log(want);
  const got = p.Signature || '';
  if (got.length !== want.length || !crypto.timingSafeEqual(Buffer.from(got), Buffer.from(want))) return 'signature';
  return '';
}

// pctDecode turns %XX into bytes ('+' into a space in queries); a bad
// escape fails a query piece and stands for itself in a path.
function pctDecode(s, query) {
  const out = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const h = s.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(h)) {
        out.push(parseInt(h, 16));
        i += 2;
        continue;
      }
      if (query) return null;
    }
    out.push(query && c === 0x2b ? 0x20 : c);
  }
  return Buffer.from(out);
}

// escape keeps A-Z a-z 0-9 - _ . ~ (and '/' in paths) and writes every
// other byte as %XX, upper-case.
function escape(buf, path) {
  let s = '';
  for (const b of buf) {
    const ch = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(ch) || (path && ch === '/')) s += ch;
    else s += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return s;
}
