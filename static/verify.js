// "Check my vote" (templates/tally/verify.html): this page's own check of a closed poll's
// published log (tally/audit.py), so that the answer does not rest on the server saying
// yes. It downloads the log, recomputes its chain (h0 = SHA-256 of the header, then
// hᵢ = SHA-256(hᵢ₋₁ ‖ entryᵢ), each encoded as JSON with sorted keys and no spaces),
// compares the last with the fingerprint shown when the poll closed, looks for the
// voter's receipts (their SHA-256) and counts the entries that count.
// Hashing is WebCrypto's where the page has it (HTTPS, or this machine); over plain
// HTTP on a local network the browser withholds it, and a plain SHA-256 below does it.
(function () {
  "use strict";
  const section = document.querySelector("[data-verify]");
  if (!section || !section.dataset.fingerprint) return;
  const verdict = section.querySelector("[data-verdict]");
  const list = section.querySelector("[data-receipt-list]");
  const table = section.querySelector("[data-tally]");
  const form = section.querySelector("[data-verify-form]");
  const encoder = new TextEncoder();

  function canonical(value) {
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    if (value !== null && typeof value === "object") {
      // Python sorts keys by code point; so does this, on keys of ASCII letters.
      return "{" + Object.keys(value).sort().map(
        (key) => JSON.stringify(key) + ":" + canonical(value[key])).join(",") + "}";
    }
    return JSON.stringify(value);
  }

  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function sha256(bytes) {
    if (window.crypto && crypto.subtle) {
      return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    }
    return plainSha256(bytes);
  }

  // FIPS 180-4's SHA-256, for pages the browser gives no WebCrypto.
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);

  function plainSha256(bytes) {
    const length = bytes.length;
    const blocks = Math.ceil((length + 9) / 64);
    const data = new Uint8Array(blocks * 64);
    data.set(bytes);
    data[length] = 0x80;
    const view = new DataView(data.buffer);
    view.setUint32(data.length - 8, Math.floor(length / 0x20000000));
    view.setUint32(data.length - 4, (length * 8) >>> 0);
    const h = new Uint32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]);
    const w = new Uint32Array(64);
    const rotr = (x, n) => (x >>> n) | (x << (32 - n));
    for (let block = 0; block < blocks; block++) {
      for (let t = 0; t < 16; t++) w[t] = view.getUint32(block * 64 + t * 4);
      for (let t = 16; t < 64; t++) {
        const s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
        const s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
      }
      let [a, b, c, d, e, f, g, k] = h;
      for (let t = 0; t < 64; t++) {
        const t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
        const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
      }
      const next = [a, b, c, d, e, f, g, k];
      for (let i = 0; i < 8; i++) h[i] = (h[i] + next[i]) >>> 0;
    }
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) outView.setUint32(i * 4, h[i]);
    return out;
  }

  // A receipt as polls/receipts.py reads one typed back: case, spaces and dashes aside,
  // O, I and L as 0, 1 and 1.
  function receiptRead(typed) {
    const code = typed.replace(/[\s-]/g, "").toUpperCase().replace(/O/g, "0").replace(/[IL]/g, "1");
    const written = code.slice(0, 4) + "-" + code.slice(4);
    return /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/.test(written) ? written : null;
  }

  function say(text, kind) {
    verdict.replaceChildren();
    const p = document.createElement("p");
    p.className = kind;
    p.textContent = text;
    verdict.append(p);
  }

  async function chainChecked(log) {
    let digest = await sha256(encoder.encode(canonical(log.header)));
    for (const entry of log.entries) {
      const chained = Object.assign({}, entry);
      delete chained.hash;
      delete chained.texts;
      const bytes = encoder.encode(canonical(chained));
      const joined = new Uint8Array(digest.length + bytes.length);
      joined.set(digest);
      joined.set(bytes, digest.length);
      digest = await sha256(joined);
      if (hex(digest) !== entry.hash) return { broken: entry.n };
    }
    return { fingerprint: hex(digest) };
  }

  function tallied(log) {
    const labels = new Map(log.header.options.map((o) => [o.slug, o.label]));
    const counts = new Map(log.header.options.map((o) => [o.slug, 0]));
    const n = log.header.options.length;
    let voters = 0;
    for (const entry of log.entries) {
      if (!entry.counts || entry.erased) continue;
      voters += 1;
      (entry.choices || []).forEach((slug, place) => {
        const points = log.header.kind === "ranking" ? n - (place + 1) : 1;
        counts.set(slug, (counts.get(slug) || 0) + points);
      });
    }
    return { labels, counts, voters };
  }

  function tallyShow(log) {
    const { labels, counts, voters } = tallied(log);
    const body = table.querySelector("tbody");
    body.replaceChildren();
    const rows = log.header.options.length ? counts : new Map([[gettext("Voters"), voters]]);
    for (const [slug, count] of rows) {
      const row = body.insertRow();
      const name = row.insertCell();
      name.textContent = labels.get(slug) || slug;
      name.dir = "auto";
      row.insertCell().textContent = String(count);
    }
    table.hidden = false;
  }

  async function receiptsShow(log, receipts) {
    list.replaceChildren();
    const labels = new Map(log.header.options.map((o) => [o.slug, o.label]));
    let allFound = true;
    for (const receipt of receipts) {
      const wanted = hex(await sha256(encoder.encode(receipt)));
      const entry = log.entries.find((e) => e.receipt === wanted);
      const item = document.createElement("li");
      const code = document.createElement("strong");
      code.textContent = receipt;
      code.translate = false;
      item.append(code, " ");
      if (!entry) {
        allFound = false;
        item.className = "bad";
        item.append(gettext("is not in the log."));
      } else {
        const cast = (entry.choices || []).map((slug) => labels.get(slug) || slug).join(", ")
          || (entry.texts || []).filter((t) => t !== null).join(", ") || "—";
        const status = entry.erased ? gettext("erased by its voter")
          : entry.counts ? gettext("counted") : gettext("replaced by a later vote");
        item.className = entry.counts && !entry.erased ? "good" : "";
        item.append(interpolate(gettext("is entry %(n)s: %(cast)s, %(status)s."),
          { n: entry.n, cast: cast, status: status }, true));
      }
      list.append(item);
    }
    return allFound;
  }

  // The receipts this browser's voter was given in the poll (the page lists them), and
  // any typed in.
  function receiptsKnown() {
    return (section.dataset.receipts || "").split(" ").filter(Boolean);
  }

  let log = null;

  async function check(extra) {
    const receipts = receiptsKnown();
    if (extra && !receipts.includes(extra)) receipts.push(extra);
    if (!log) {
      const response = await fetch(section.dataset.log, { credentials: "same-origin" });
      if (!response.ok) {
        say(gettext("The log could not be downloaded: reload the page in a moment."), "notice");
        return;
      }
      log = await response.json();
    }
    const chain = await chainChecked(log);
    if (chain.broken) {
      say(interpolate(gettext("The log does not check out: entry %(n)s is not the one the fingerprint sealed."),
        { n: chain.broken }, true), "alert");
      return;
    }
    if (chain.fingerprint !== section.dataset.fingerprint || chain.fingerprint !== log.fingerprint) {
      say(gettext("The log does not check out: its fingerprint is not the one shown when the poll closed."), "alert");
      return;
    }
    tallyShow(log);
    const found = await receiptsShow(log, receipts);
    if (!receipts.length) {
      say(gettext("The log checks out. This browser holds no receipt of this poll: type one to look for it."), "good");
    } else if (found) {
      say(gettext("The log checks out, and your vote is in it as you cast it."), "good");
    } else {
      say(gettext("The log checks out, but a receipt is missing from it."), "alert");
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const typed = receiptRead(form.receipt.value);
    if (!typed) {
      say(gettext("A receipt is eight letters and digits, like K7QF-2M9X."), "alert");
      return;
    }
    check(typed);
  });
  check(null).catch(() => say(gettext("The log could not be checked in this browser."), "alert"));
})();
