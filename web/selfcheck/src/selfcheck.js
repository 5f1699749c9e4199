// The browser client of the private self-check (crates/leakset/src/selfcheck.rs): the same
// protocol as `doxwatch check`. The identifier never leaves the page: only its bucket (a short
// prefix of a public hash, shared by ~29,000 phones or ~95,000 ID numbers) and a blinded
// ristretto255 element do. RFC 9497 OPRF from @noble/curves; no curve code here.
import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { blake3 } from '@noble/hashes/blake3.js';

const BUCKET_DOMAIN = 'doxwatch.bucket.v1';
const VALUE_BYTES = 16;
/** Bucket prefix bits per kind; must equal CHECK_KINDS in selfcheck.rs. */
export const BUCKET_BITS = { phone: 16, id_card: 20 };

const enc = new TextEncoder();

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}

/** kind, NUL, canonical value: the OPRF input (as `oprf_input` in Rust). */
export function oprfInput(kind, canonical) {
  return concat(enc.encode(kind), new Uint8Array([0]), enc.encode(canonical));
}

/** The public bucket: the first BUCKET_BITS[kind] bits of BLAKE3(domain, kind, NUL, value). */
export function bucketOf(kind, canonical) {
  const h = blake3(concat(enc.encode(BUCKET_DOMAIN), oprfInput(kind, canonical)));
  const top = ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
  return top >>> (32 - BUCKET_BITS[kind]);
}

/** Canonical mobile number (11 digits) or null. Mirrors the matcher's spelling rules. */
export function canonicalPhone(raw) {
  let s = raw.normalize('NFKC').trim().replace(/^\+/, '').replace(/[\s\-.()]/g, '');
  if (!/^\d+$/.test(s)) return null;
  if (s.length === 13 && s.startsWith('86')) s = s.slice(2);
  else if (s.length === 15 && s.startsWith('0086')) s = s.slice(4);
  return /^1[3-9]\d{9}$/.test(s) ? s : null;
}

/** Canonical resident ID (18 characters with its check character, or 15 digits) or null. */
export function canonicalIdCard(raw) {
  const s = raw.normalize('NFKC').trim().replace(/[\s\-]/g, '').toUpperCase();
  if (/^\d{15}$/.test(s)) return s;
  if (!/^\d{17}[\dX]$/.test(s)) return null;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = w.reduce((a, wi, i) => a + wi * Number(s[i]), 0);
  return '10X98765432'[sum % 11] === s[17] ? s : null;
}

function b64(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function unb64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/**
 * Asks the server at `base` ('' for the page's own origin). Resolves to true when the
 * identifier is in the set; the decision is made here, from the padded bucket.
 */
export async function check(base, kind, canonical) {
  const input = oprfInput(kind, canonical);
  const { blind, blinded } = ristretto255_oprf.oprf.blind(input);
  const resp = await fetch(`${base}/v1/check`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind, bucket: bucketOf(kind, canonical), blinded: b64(blinded) }),
  });
  if (resp.status === 429) throw new Error('too many queries; try again later');
  if (!resp.ok) throw new Error(`server answered ${resp.status}`);
  const answer = await resp.json();
  const out = ristretto255_oprf.oprf.finalize(input, blind, unb64(answer.evaluated));
  const values = unb64(answer.values);
  for (let i = 0; i + VALUE_BYTES <= values.length; i += VALUE_BYTES) {
    let same = true;
    for (let j = 0; j < VALUE_BYTES; j++) same = same && values[i + j] === out[j];
    if (same) return true;
  }
  return false;
}

// The page: one form, the result in #result (data-state: found | clean | error).
if (typeof document !== 'undefined') {
  const form = document.getElementById('check');
  form?.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const kind = form.elements.kind.value;
    const raw = form.elements.value.value;
    const out = document.getElementById('result');
    const canonical = kind === 'phone' ? canonicalPhone(raw) : canonicalIdCard(raw);
    if (!canonical) {
      out.dataset.state = 'error';
      out.textContent = kind === 'phone' ? '不是有效的手机号 / not a valid mobile number' : '不是有效的身份证号 / not a valid ID number';
      return;
    }
    out.dataset.state = 'pending';
    out.textContent = '…';
    try {
      const found = await check('', kind, canonical);
      out.dataset.state = found ? 'found' : 'clean';
      out.textContent = found
        ? '在已知泄露数据中找到 / found in a known leak'
        : '未在已知泄露数据中找到 / not found in the known leaks';
    } catch (e) {
      out.dataset.state = 'error';
      out.textContent = String(e.message || e);
    }
  });
}
