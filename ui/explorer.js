/* Explorer: evidence, RA-TLS certificates and EAR tokens. Evidence goes to POST /v1/verify (the
 * service verifies and explains, stores nothing); a token is checked here with WebCrypto against
 * GET /v1/jwks. */
'use strict';

const EX = {};

/* What the input is: a JWT, JSON (CMW or jinzhao), PEM text, or base64 of raw bytes. */
EX.classify = function (text) {
  const t = text.trim();
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(t) && t.startsWith('eyJ')) {
    return { kind: 'token', value: t };
  }
  if (t.startsWith('[') || t.startsWith('{')) {
    try { return { kind: 'evidence', value: JSON.parse(t) }; } catch (e) {
      throw new Error('the input starts like JSON but does not parse: ' + e.message);
    }
  }
  if (t.startsWith('-----BEGIN')) { return { kind: 'evidence', value: t }; }
  if (/^[A-Za-z0-9+/_=-]+$/.test(t.replace(/\s+/g, ''))) {
    return { kind: 'evidence', value: t.replace(/\s+/g, '') };
  }
  throw new Error('not recognised: paste JSON, PEM, a JWT or base64');
};

EX.fromFile = async function (file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const printable = /^[\x09\x0a\x0d\x20-\x7e]*$/.test(text.slice(0, 4096));
  if (printable && text.trim().length > 0) {
    try { return EX.classify(text); } catch (e) { /* binary after all: fall through */ }
  }
  return { kind: 'evidence', value: UA.bytesToB64(bytes) };
};

EX.show = (id, on) => document.getElementById(id).classList.toggle('hidden', !on);

/* Validity bar: the window [nb, na] on a scale from the earliest to the latest date shown, with
 * a tick at the evaluation time. */
EX.bar = function (nb, na, at, lo, hi) {
  const span = hi - lo || 1;
  const bar = UA.el('div', { class: 'bar' });
  const fill = UA.el('span', { class: at > na || at < nb ? 'expired' : '' });
  fill.style.left = (100 * (nb - lo) / span) + '%';
  fill.style.width = Math.max(0.5, 100 * (na - nb) / span) + '%';
  const tick = UA.el('i', { title: 'evaluation time' });
  tick.style.left = Math.min(100, Math.max(0, 100 * (at - lo) / span)) + '%';
  bar.append(fill, tick);
  return bar;
};

EX.renderChain = function (certs, at) {
  const box = document.getElementById('chain');
  box.replaceChildren();
  if (!certs.length) { return; }
  const times = certs.flatMap((c) => [Date.parse(c.not_before), Date.parse(c.not_after)]).filter((x) => !isNaN(x));
  const lo = Math.min(...times, at), hi = Math.max(...times, at);
  certs.forEach((c, i) => {
    const nb = Date.parse(c.not_before), na = Date.parse(c.not_after);
    const div = UA.el('div', { class: 'cert', 'data-role': c.role || '' },
      UA.el('div', {}, UA.el('b', { text: (c.role ? c.role + ': ' : '') + (c.subject || '(no subject)') })),
      c.issuer ? UA.el('div', { class: 'muted', text: 'issued by ' + c.issuer }) : null,
      UA.el('div', { class: 'muted', text: UA.fmtTime(c.not_before) + ' → ' + UA.fmtTime(c.not_after) +
        (c.serial ? '  serial ' + c.serial : '') + (c.source ? '  from ' + c.source : '') }),
      isNaN(nb) || isNaN(na) ? null : EX.bar(nb, na, at, lo, hi));
    box.append(div);
    if (i < certs.length - 1) {
      const next = certs[i + 1];
      const signedBy = c.issuer && next.subject && c.issuer === next.subject;
      box.append(UA.el('div', { class: 'arrow', text: signedBy ? '↓ signed by' : '· another chain' }));
    }
  });
};

EX.renderChecks = function (r) {
  const body = document.querySelector('#checks tbody');
  body.replaceChildren();
  const note = document.getElementById('checks-note');
  let checks = r.explanation && Array.isArray(r.explanation.checks) ? r.explanation.checks : null;
  if (checks) {
    note.textContent = '';
  } else {
    /* without an explanation: the one check the verifier reported, or the whole verification */
    checks = [r.error
      ? { check: r.error.check || 'verification', result: 'fail', found: r.error.detail || r.error.message, required: '', remedy: '' }
      : { check: 'verification', result: 'pass', found: 'every check passed', required: '', remedy: '' }];
    note.textContent = 'the service gave no check-by-check explanation: the verification\'s outcome is shown';
  }
  for (const c of checks) {
    const fmt = (v) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
    body.append(UA.el('tr', { 'data-check': c.check, 'data-result': c.result },
      UA.el('td', { class: 'mono', text: c.check }), UA.el('td', {}, UA.badge(c.result)),
      UA.el('td', { class: 'mono', text: fmt(c.found) }), UA.el('td', { class: 'mono', text: fmt(c.required) }),
      UA.el('td', { text: fmt(c.remedy) })));
  }
};

/* The collateral the verifier used (explanation.collateral): whatever names and dates it gives. */
EX.renderCollateral = function (r) {
  const list = document.getElementById('collateral');
  const crls = r.explanation && Array.isArray(r.explanation.certificates)
    ? r.explanation.certificates.filter((c) => c.role === 'crl').map((c) => ({ kind: 'crl', issuer: c.issuer || c.subject,
      next_update: c.not_after, source: c.source })) : [];
  const items = (r.explanation && Array.isArray(r.explanation.collateral) ? r.explanation.collateral : []).concat(crls);
  list.replaceChildren(...items.map((c) => {
    const pick = (...ks) => ks.map((k) => c[k]).find((v) => v !== undefined && v !== null && v !== '');
    const parts = [pick('kind', 'type'), pick('id', 'name', 'subject', 'issuer'), pick('source', 'file'),
      pick('not_after', 'next_update', 'nextUpdate') ? 'valid until ' + pick('not_after', 'next_update', 'nextUpdate') : null];
    return UA.el('li', { class: 'mono', 'data-kind': String(pick('kind', 'type') || '') },
      parts.filter(Boolean).join(' · ') || JSON.stringify(c));
  }));
  document.getElementById('collateral-note').textContent = items.length ? '' : 'none reported';
};

EX.renderEvidence = function (r) {
  document.getElementById('result-tee').textContent = r.tee || 'not recognised';
  document.getElementById('result-status').replaceChildren(UA.badge(r.result));
  document.getElementById('result-input').textContent = r.input;
  document.getElementById('result-at').textContent = r.at || '';
  const err = document.getElementById('result-error');
  if (r.error) {
    err.textContent = r.error.error + ': ' + (r.error.message || '') +
      (r.error.detail ? '\n' + r.error.detail : '') + (r.error.check ? '\ncheck: ' + r.error.check : '');
  }
  err.classList.toggle('hidden', !r.error);
  EX.renderChecks(r);
  const at = Date.parse(r.at) || Date.now();
  const all = r.explanation && Array.isArray(r.explanation.certificates) ? r.explanation.certificates : [];
  let certs = all.filter((c) => c.role !== 'crl');
  if (r.certificate) { /* the RA-TLS certificate itself carries the evidence whose chain follows */
    certs = [{ role: 'RA-TLS certificate', subject: r.certificate.subject_cn, not_before: r.certificate.not_before,
      not_after: r.certificate.not_after, source: 'extension ' + (r.certificate.extension || 'none') }].concat(certs);
  }
  EX.renderChain(certs, at);
  EX.renderCollateral(r);
  document.getElementById('chain-note').textContent = certs.length ? '' : 'no certificate chain reported for this evidence';
  document.getElementById('claims').replaceChildren(r.claims ? UA.kvTable(r.claims) : UA.el('p', { class: 'muted', text: 'no claims: the evidence did not verify' }));
  document.getElementById('decoded').textContent = r.decoded ? JSON.stringify(r.decoded, null, 2) : '(could not be decoded)';
  EX.show('evidence-view', true);
};

EX.renderToken = async function (jwt) {
  const v = await UA.verifyJwt(jwt);
  const sig = document.getElementById('token-sig');
  sig.replaceChildren(UA.badge(v.signature === 'valid' ? 'valid' : v.signature === 'invalid' ? 'failed' : 'unknown'));
  sig.append(' ' + v.signature);
  sig.dataset.signature = v.signature;
  document.getElementById('token-kid').textContent = v.kid ? 'kid ' + v.kid : '';
  const exp = document.getElementById('token-exp');
  if (typeof v.claims.exp === 'number') {
    const expired = v.claims.exp * 1000 < Date.now();
    exp.replaceChildren(UA.badge(expired ? 'expired' : 'valid'), ' ' + UA.fmtTime(v.claims.exp * 1000));
    exp.dataset.expired = String(expired);
  } else {
    exp.textContent = 'no exp claim';
  }
  const subs = v.claims.submods || {};
  const statuses = Object.entries(subs).map(([k, s]) => k + ': ' + (s['ear.status'] || '?'));
  document.getElementById('token-status').textContent = statuses.join(', ') || '—';
  document.getElementById('token-header').textContent = JSON.stringify(v.header, null, 2);
  document.getElementById('token-claims').replaceChildren(UA.kvTable(v.claims));
  EX.show('token-view', true);
};

EX.run = async function (input) {
  UA.clearError('input-error');
  EX.show('evidence-view', false);
  EX.show('token-view', false);
  EX.show('busy', true);
  try {
    if (input.kind === 'token') {
      await EX.renderToken(input.value);
      return;
    }
    const req = { evidence: input.value };
    const at = document.getElementById('at').value.trim();
    if (at) { req.at = at; }
    EX.renderEvidence(await UA.api('POST', '/v1/verify', { json: req }));
  } finally {
    EX.show('busy', false);
  }
};

document.addEventListener('DOMContentLoaded', () => {
  const go = async (getInput) => {
    try { await EX.run(await getInput()); } catch (e) { UA.showError('input-error', e); }
  };
  document.getElementById('verify-btn').addEventListener('click',
    () => go(async () => EX.classify(document.getElementById('evidence-input').value)));
  document.getElementById('evidence-file').addEventListener('change', (e) => {
    if (e.target.files[0]) { go(() => EX.fromFile(e.target.files[0])); }
  });
  const drop = document.getElementById('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files[0]) { go(() => EX.fromFile(e.dataTransfer.files[0])); }
  });
});
