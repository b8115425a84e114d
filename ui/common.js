/* uattest console: shared helpers. No framework, no build step, nothing from the network but this
 * service. Every error ends up in a visible error area: none is swallowed. */
'use strict';

const UA = {};

/* The page-wide error area: uncaught exceptions and rejected promises land there too. */
UA.showError = function (where, err) {
  const box = document.getElementById(where) || document.getElementById('js-errors');
  const text = err instanceof Error ? err.message : String(err);
  box.textContent = text;
  box.classList.remove('hidden');
};
UA.clearError = function (where) {
  const box = document.getElementById(where);
  if (box) { box.textContent = ''; box.classList.add('hidden'); }
};
window.addEventListener('error', (e) => UA.showError('js-errors', 'JavaScript error: ' + e.message +
  (e.filename ? ' (' + e.filename.split('/').pop() + ':' + e.lineno + ')' : '')));
window.addEventListener('unhandledrejection', (e) => UA.showError('js-errors',
  'Unhandled error: ' + (e.reason && e.reason.message ? e.reason.message : e.reason)));

/* An Error carrying the service's problem document. */
class ApiError extends Error {
  constructor(status, problem) {
    const p = problem || {};
    super((p.error ? p.error + ': ' : 'HTTP ' + status + ': ') + (p.message || '') +
          (p.detail ? ' (' + p.detail + ')' : '') + (p.check ? ' [check ' + p.check + ']' : ''));
    this.status = status;
    this.problem = p;
  }
}
UA.ApiError = ApiError;

/* fetch against this service; JSON bodies; admin calls add the session's admin token. */
UA.api = async function (method, path, opts) {
  const o = opts || {};
  const headers = {};
  if (o.admin) {
    const t = o.token || sessionStorage.getItem('uattest.admin');
    if (!t) { throw new ApiError(401, { error: 'USAGE_UNAUTHENTICATED', message: 'log in first' }); }
    headers.Authorization = 'Bearer ' + t;
  } else if (o.token) {
    headers.Authorization = 'Bearer ' + o.token;
  }
  let body;
  if (o.json !== undefined) { body = JSON.stringify(o.json); headers['Content-Type'] = 'application/json'; }
  if (o.text !== undefined) { body = o.text; headers['Content-Type'] = o.contentType || 'application/json'; }
  const r = await fetch(path, { method, headers, body, cache: 'no-store', credentials: 'omit' });
  const ct = r.headers.get('Content-Type') || '';
  const raw = await r.text();
  let data = raw;
  if (ct.includes('json') && raw.length > 0) { data = JSON.parse(raw); }
  if (!r.ok) { throw new ApiError(r.status, typeof data === 'object' ? data : { message: raw }); }
  return data;
};

UA.el = function (tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') { e.className = v; } else if (k === 'text') { e.textContent = v; } else { e.setAttribute(k, v); }
  }
  for (const k of kids) { if (k !== null && k !== undefined) { e.append(k); } }
  return e;
};
UA.svg = function (tag, attrs) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) { e.setAttribute(k, String(v)); }
  return e;
};
UA.badge = (status) => UA.el('span', { class: 'badge s-' + status, text: status });

UA.b64uToBytes = function (s) {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
};
UA.bytesToB64 = function (bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) { s += String.fromCharCode(...bytes.subarray(i, i + 0x8000)); }
  return btoa(s);
};
UA.fmtTime = (t) => (t ? new Date(t).toISOString().replace('.000Z', 'Z') : '—');

/* A flat key/value table of a JSON object (nested objects as dotted keys). */
UA.kvTable = function (obj) {
  const t = UA.el('table', { class: 'kv' });
  const add = (prefix, v) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v)) { add(prefix ? prefix + '.' + k : k, x); }
      return;
    }
    t.append(UA.el('tr', { 'data-key': prefix }, UA.el('td', { text: prefix }),
      UA.el('td', { class: 'mono', text: typeof v === 'string' ? v : JSON.stringify(v) })));
  };
  add('', obj || {});
  return t;
};

/* An ES256 JWS (the EAR token) against the service's JWKS, with WebCrypto. */
UA.verifyJwt = async function (jwt) {
  const parts = jwt.split('.');
  if (parts.length !== 3) { throw new Error('a JWT has three base64url parts separated by dots'); }
  const header = JSON.parse(new TextDecoder().decode(UA.b64uToBytes(parts[0])));
  const claims = JSON.parse(new TextDecoder().decode(UA.b64uToBytes(parts[1])));
  const out = { header, claims, signature: 'unknown key', kid: header.kid || null };
  if (!window.crypto || !crypto.subtle) {
    out.signature = 'not checked: WebCrypto needs HTTPS or localhost';
    return out;
  }
  if (header.alg !== 'ES256') { out.signature = 'unsupported algorithm ' + header.alg; return out; }
  const jwks = await UA.api('GET', '/v1/jwks');
  const jwk = (jwks.keys || []).find((k) => !header.kid || k.kid === header.kid);
  if (!jwk) { return out; }
  const key = await crypto.subtle.importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y },
    { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  const ok = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key,
    UA.b64uToBytes(parts[2]), new TextEncoder().encode(parts[0] + '.' + parts[1]));
  out.signature = ok ? 'valid' : 'invalid';
  return out;
};
