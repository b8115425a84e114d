#!/usr/bin/env python3
"""The web console in Chromium headless, driven by Selenium, against a uattestd on loopback that
console.sh started (docs/console.md). Exit 77 when Chromium or chromedriver cannot start."""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import (StaleElementReferenceException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ap = argparse.ArgumentParser()
ap.add_argument("--url", required=True)
ap.add_argument("--admin", required=True)
ap.add_argument("--work", required=True)
ap.add_argument("--uattest", required=True)
ap.add_argument("--corpus", required=True)
ap.add_argument("--screenshots")
args = ap.parse_args()
BASE, W, C = args.url, os.path.realpath(args.work), os.path.realpath(args.corpus)


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def ok(msg):
    print("ok - " + msg, flush=True)


def start_browser(profile):
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-dev-shm-usage", "--window-size=1400,1100", "--user-data-dir=" + profile):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return webdriver.Chrome(service=Service(driver), options=opts)


profile = tempfile.mkdtemp(prefix="uattest-chromium-")
try:
    d = start_browser(profile)
except (WebDriverException, OSError) as e:
    shutil.rmtree(profile, ignore_errors=True)
    print("SKIP: Chromium cannot start here: %s" % str(e).splitlines()[0])
    sys.exit(77)
# a view being redrawn while a condition reads it: read it again
wait = WebDriverWait(d, 30, ignored_exceptions=(StaleElementReferenceException,))
requested = []  # every URL our pages asked for, from the performance log
d.get("about:blank")
d.get_log("performance")  # the browser's own start-up (its new-tab page) is not ours: dropped


def drain_logs():
    for entry in d.get_log("performance"):
        m = json.loads(entry["message"])["message"]
        if m.get("method") == "Network.requestWillBeSent":
            requested.append(m["params"]["request"]["url"])
    for entry in d.get_log("browser"):
        text = entry.get("message", "")
        if "Content Security Policy" in text or "Uncaught" in text:
            fail("browser console: " + text)


def js(script, *a):
    return d.execute_script(script, *a)


def el(css):
    return d.find_element(By.CSS_SELECTOR, css)


def visible(css):
    return el(css).is_displayed()


def no_js_errors(page):
    if visible("#js-errors"):
        fail("%s: the page shows a JavaScript error: %s" % (page, el("#js-errors").text))


# ---------------------------------------------------------------- explorer

def explore(text=None, path=None, at=""):
    """One input through the explorer; the verdict as the page shows it."""
    d.get(BASE + "/ui/index.html")
    wait.until(lambda _: js("return document.readyState") == "complete")
    el("#at").clear()
    if at:
        el("#at").send_keys(at)
    if path is not None:
        el("#evidence-file").send_keys(path)
    else:
        js("arguments[0].value = arguments[1]", el("#evidence-input"), text)
        el("#verify-btn").click()
    wait.until(lambda _: visible("#evidence-view") or visible("#token-view") or
               visible("#input-error"))
    if visible("#input-error"):
        fail("explorer: the input was refused: " + el("#input-error").text)
    no_js_errors("explorer")
    # one round trip for the whole view (a WebDriver call per table cell is slow)
    return js("""
        const shown = (id) => !document.getElementById(id).classList.contains('hidden');
        const q = (s) => Array.from(document.querySelectorAll(s));
        return {
          tee: document.getElementById('result-tee').textContent,
          result: document.getElementById('result-status').textContent,
          error: shown('result-error') ? document.getElementById('result-error').textContent : '',
          checks: q('#checks tbody tr').map((r) => [r.dataset.check, r.dataset.result]),
          claims: Object.fromEntries(q('#claims tr').map((r) => [r.dataset.key, r.cells[1].textContent])),
          decoded: document.getElementById('decoded').textContent,
          chain: q('#chain .cert').map((c) => c.textContent),
          note: document.getElementById('checks-note').textContent,
          collateral: q('#collateral li').map((c) => c.dataset.kind),
        };""")


def expect_pass(label, tee, status=None, claim=None, **kw):
    r = explore(**kw)
    if r["tee"] != tee or r["result"] == "failed" or r["error"]:
        fail("%s: expected %s to verify, the page shows %s" % (label, tee, json.dumps(r)[:800]))
    if status is not None and r["result"] != status:
        fail("%s: result %s, expected %s" % (label, r["result"], status))
    if not any(res == "pass" for _, res in r["checks"]) or any(res == "fail" for _, res in r["checks"]):
        fail("%s: checks %s" % (label, r["checks"]))
    if len(r["checks"]) < 2 or r["note"]:
        fail("%s: no check-by-check explanation: %s" % (label, r["checks"]))
    if claim is not None and r["claims"].get(claim[0]) != claim[1]:
        fail("%s: claim %s is %r, expected %r" % (label, claim[0], r["claims"].get(claim[0]), claim[1]))
    if "measurement" not in r["claims"] or not r["decoded"].startswith("{"):
        fail("%s: no normalized claims or decoded fields" % label)
    ok("explorer: %s verifies as %s (%s)" % (label, tee, r["result"]))
    return r


def expect_fail(label, tee, error, **kw):
    r = explore(**kw)
    if r["tee"] != tee or r["result"] != "failed" or error not in r["error"]:
        fail("%s: expected %s to fail with %s, the page shows %s" % (label, tee, error,
                                                                      json.dumps(r)[:800]))
    failed = [c for c, res in r["checks"] if res == "fail"]
    if not failed or r["claims"]:
        fail("%s: no failed check shown (%s) or claims shown anyway" % (label, r["checks"]))
    ok("explorer: %s is refused: %s, failed check %s" % (label, error, failed[0]))
    return r


def read(path):
    with open(path) as f:
        return f.read()


expect_pass("sim", "sim", "warning", text=read(W + "/sim-pass.json"))
expect_fail("sim signed by an unknown key", "sim", "VERIFY_", text=read(W + "/sim-fail.json"))
S1 = C + "/intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor/quote.bin"
sgx = expect_pass("sgx s1 (quote file)", "sgx", claim=("tcb.status", "ConfigurationAndSWHardeningNeeded"),
                  path=S1, at="2025-07-01T00:00:00Z")
if len(sgx["chain"]) < 2 or not sgx["collateral"]:
    fail("sgx s1: the explanation's chain (%d certificates) or collateral (%s) is not shown" %
         (len(sgx["chain"]), sgx["collateral"]))
ok("explorer: sgx s1 shows its PCK chain (%d certificates) and collateral (%s)" %
   (len(sgx["chain"]), ", ".join(sorted(set(sgx["collateral"])))))
if args.screenshots:
    d.save_screenshot(os.path.join(args.screenshots, "console-explorer.png"))
expect_fail("sgx s1 after its collateral expired", "sgx", "VERIFY_EXPIRED", path=S1,
            at="2025-07-19T10:01:19Z")
T1 = C + "/intel-tdx/t1-dcapqvl-tdx-v4-uptodate/quote.bin"
expect_pass("tdx t1", "tdx", claim=("tcb.status", "UpToDate"), path=T1, at="2025-07-01T00:00:00Z")
expect_fail("tdx t1 after its collateral expired", "tdx", "VERIFY_EXPIRED", path=T1,
            at="2025-07-19T10:00:36Z")
expect_pass("snp n1", "snp", path=W + "/snp-pass.bin", at="2022-09-24T01:00:00Z")
expect_fail("snp n1 with byte 42 changed", "snp", "VERIFY_SIGNATURE", path=W + "/snp-fail.bin",
            at="2022-09-24T01:00:00Z")
expect_pass("cca c1 token", "cca", path=W + "/cca-pass.cbor")
expect_fail("cca c1 token with its signature changed", "cca", "VERIFY_", path=W + "/cca-fail.cbor")
expect_pass("nvidia-gpu g1", "nvidia-gpu", text=read(W + "/nv-pass.json"), at="2026-01-08T00:00:00Z")
expect_fail("nvidia-gpu g1 with a broken chain", "nvidia-gpu", "VERIFY_CHAIN",
            text=read(W + "/nv-fail.json"), at="2026-01-08T00:00:00Z")
expect_pass("tpm (swtpm, pinned AK)", "tpm", text=read(W + "/tpm-pass.json"))
expect_fail("tpm quote with its signature changed", "tpm", "VERIFY_", text=read(W + "/tpm-fail.json"))

# an RA-TLS certificate (PEM, pasted): the certificate and the SGX evidence inside it
r = explore(text=read(C + "/ra-tls/r3-rats-tls-interop.pem"), at="2023-09-01T00:00:00Z")
if r["tee"] != "sgx" or not r["chain"] or "RA-TLS certificate" not in r["chain"][0]:
    fail("RA-TLS certificate: %s" % json.dumps(r)[:800])
if '"tee": "sgx"' not in r["decoded"]:
    fail("RA-TLS certificate: the evidence inside is not decoded: %s" % r["decoded"][:300])
ok("explorer: an RA-TLS certificate shows its certificate and its SGX evidence (%s)" %
   (r["error"].splitlines()[0] if r["error"] else r["result"]))
drain_logs()

# ---------------------------------------------------------------- tokens


def http(method, path, body=None, token=None):
    req = urllib.request.Request(BASE + path, data=body, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def curl_attest(measure):
    """challenge -> uattest collect --nonce -> curl POST /v1/attest: the token."""
    st, b = http("POST", "/v1/challenge")
    nonce = json.loads(b)["nonce"]
    ev = os.path.join(W, "att-%s.json" % time.time())
    subprocess.run([args.uattest, "collect", "--tee", "sim", "--state-dir", W + "/sim", "--nonce",
                    nonce, "-O", "measure=" + measure, "-o", ev], check=True)
    body = json.dumps({"evidence": json.loads(read(ev)), "nonce": nonce})
    out = subprocess.run(["curl", "-s", "-X", "POST", BASE + "/v1/attest", "--data-binary", body],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


tok = curl_attest("console-token")
if "token" not in tok:
    fail("attest for a token: %s" % tok)
d.get(BASE + "/ui/index.html")
js("arguments[0].value = arguments[1]", el("#evidence-input"), tok["token"])
el("#verify-btn").click()
wait.until(lambda _: visible("#token-view") or visible("#input-error"))
no_js_errors("token")
if el("#token-sig").get_attribute("data-signature") != "valid":
    fail("token signature: %s" % el("#token-sig").text)
if el("#token-exp").get_attribute("data-expired") != "false" or "sim: warning" not in el("#token-status").text:
    fail("token expiry/status: %s / %s" % (el("#token-exp").text, el("#token-status").text))
keys = [r.get_attribute("data-key") for r in d.find_elements(By.CSS_SELECTOR, "#token-claims tr")]
if "submods.sim.ear.status" not in keys or "eat_nonce" not in keys:
    fail("token claims: %s" % keys)
if '"alg":"ES256"' not in el("#token-header").text.replace(" ", "").replace("\n", ""):
    fail("token header: %s" % el("#token-header").text)
h, p, s = tok["token"].split(".")
sig = bytearray(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
sig[5] ^= 1
bad = "%s.%s.%s" % (h, p, base64.urlsafe_b64encode(bytes(sig)).decode().rstrip("="))
d.get(BASE + "/ui/index.html")
js("arguments[0].value = arguments[1]", el("#evidence-input"), bad)
el("#verify-btn").click()
wait.until(lambda _: visible("#token-view") or visible("#input-error"))
if el("#token-sig").get_attribute("data-signature") != "invalid":
    fail("a tampered token: %s" % el("#token-sig").text)
ok("explorer: an EAR token shows its header, claims, expiry; its signature checks against the JWKS "
   "(valid, and invalid once changed)")
drain_logs()

# ---------------------------------------------------------------- operations

d.get(BASE + "/ui/ops.html")
el("#admin-token").send_keys("uata_not_a_real_token")
el("#login-btn").click()
wait.until(lambda _: visible("#login-error"))
if "USAGE_FORBIDDEN" not in el("#login-error").text or visible("#ops"):
    fail("a wrong admin token: %s" % el("#login-error").text)
if js("return sessionStorage.getItem('uattest.admin')") is not None:
    fail("a refused token was kept")
ok("operations: a wrong admin token is refused in the page (USAGE_FORBIDDEN) and not kept")

el("#admin-token").clear()
el("#admin-token").send_keys(args.admin)
el("#login-btn").click()
wait.until(lambda _: visible("#ops"))
if js("return sessionStorage.getItem('uattest.admin')") != args.admin:
    fail("the admin token is not in session storage")
if js("return localStorage.length") != 0 or "uata_" in js("return document.cookie"):
    fail("the admin token leaked into local storage or a cookie")
ok("operations: admin login; the token is in session storage only")


def chart_total():
    return int(el("#chart").get_attribute("data-total") or "-1")


def legend(status):
    return int(el("#chart-legend span[data-status='%s']" % status).get_attribute("data-count"))


wait.until(lambda _: chart_total() >= 0)
before_total, before_aff = chart_total(), legend("affirming")
rows_before = len(d.find_elements(By.CSS_SELECTOR, "#att-table tbody tr"))

# a reference value: a syntax error is shown at its line, then the good document is stored
bad_doc = '{\n  "tee": "sim",\n  "values": {\n    "measurement": ["00"\n  }\n}'
el("#rv-id").send_keys("console-demo")
js("arguments[0].value = arguments[1]", el("#rv-text"), bad_doc)
el("#rv-save").click()
wait.until(lambda _: visible("#rv-error"))
err_line = el("#rv-lines .error-line").get_attribute("data-line")
if "PARSE_BAD_JSON" not in el("#rv-error").text or err_line != "5":
    fail("reference value syntax error: line %s: %s" % (err_line, el("#rv-error").text))
ok("operations: a reference value with a JSON error is refused, the error marked at line %s" % err_line)
meas = subprocess.run(["sha384sum"], input=b"console-demo", capture_output=True,
                      check=True).stdout.split()[0].decode()
good_doc = json.dumps({"tee": "sim", "values": {"measurement": [meas]}}, indent=2)
js("arguments[0].value = arguments[1]", el("#rv-text"), good_doc)
el("#rv-save").click()
wait.until(lambda _: "console-demo" in el("#rv-saved").text or visible("#rv-error"))
if visible("#rv-error"):
    fail("storing the reference value: " + el("#rv-error").text)
wait.until(lambda _: d.find_elements(By.CSS_SELECTOR, "#rv-table tr[data-id='console-demo']"))
st, b = http("GET", "/v1/reference-values/console-demo", token=args.admin)
if st != 200 or meas.encode() not in b:
    fail("the reference value is not in the service: %d %s" % (st, b[:200]))
ok("operations: a reference value created in the page is stored in the service")

# a curl attestation appears in the list and the chart
res = curl_attest("console-demo")
if res.get("status") != "affirming":
    fail("curl attest: %s" % res)
el("#att-apply").click()
try:
    wait.until(lambda _: chart_total() == before_total + 1 and legend("affirming") == before_aff + 1)
except TimeoutException:
    fail("the chart did not update: total %d (was %d)" % (chart_total(), before_total))
first = el("#att-table tbody tr")
if first.get_attribute("data-tee") != "sim" or first.get_attribute("data-status") != "affirming":
    fail("the new attestation is not first in the list: %s" % first.text)
if len(d.find_elements(By.CSS_SELECTOR, "#att-table tbody tr")) != rows_before + 1:
    fail("the list did not grow by one")
if not d.find_elements(By.CSS_SELECTOR, "#chart rect.bar-affirming"):
    fail("no affirming bar in the chart")
ok("operations: the curl attestation appears in the list (sim, affirming) and the chart counts it")

def apply_filters(query):
    """Apply and wait until the page shows exactly this query; the rows' TEEs and statuses."""
    js("document.getElementById('att-table').dataset.query = ''")
    el("#att-apply").click()
    wait.until(lambda _: js("return document.getElementById('att-table').dataset.query") == query)
    return js("return Array.from(document.querySelectorAll('#att-table tbody tr'))"
              ".map((r) => [r.dataset.tee, r.dataset.status])")


Select(el("#f-status")).select_by_visible_text("warning")
rows = apply_filters("limit=1000&status=warning")
if not rows or any(st != "warning" for _, st in rows):
    fail("status filter: %s" % rows)
n_warning = len(rows)
Select(el("#f-status")).select_by_visible_text("any")
el("#f-tee").send_keys("tpm")
if apply_filters("limit=1000&tee=tpm") or chart_total() != 0:
    fail("TEE filter: attestations of a TEE never attested")
el("#f-tee").clear()
el("#f-since").send_keys("2099-01-01T00:00:00Z")
if apply_filters("limit=1000&since=2099-01-01T00%3A00%3A00Z") or chart_total() != 0:
    fail("time filter: attestations after 2099")
el("#f-since").clear()
rows = apply_filters("limit=1000")
if len(rows) != before_total + 1 or chart_total() != before_total + 1:
    fail("no filter: %d rows" % len(rows))
ok("operations: filters by status (%d warning), TEE and time narrow the list and the chart" % n_warning)

# collateral with its expiry timeline and warning window; resources without secrets
http("PUT", "/v1/resources/apps/console/db", json.dumps(
    {"secret": base64.urlsafe_b64encode(b"console-secret-value").decode().rstrip("="),
     "policy": {"status": ["affirming"], "tee": ["sim"]}}).encode(), token=args.admin)
el("#refresh-btn").click()
wait.until(lambda _: d.find_elements(By.CSS_SELECTOR, "#res-table tr[data-path='apps/console/db']"))
wait.until(lambda _: d.find_elements(By.CSS_SELECTOR, "#coll-table tbody tr"))
if "console-secret-value" in d.page_source or "Y29uc29sZS1zZWNyZXQtdmFsdWU" in d.page_source:
    fail("a resource's secret reached the page")
if "affirming" not in el("#res-table tr[data-path='apps/console/db']").text:
    fail("the resource's policy is not shown")
states = {r.get_attribute("data-state") for r in d.find_elements(By.CSS_SELECTOR, "#coll-table tbody tr")}
if "expired" not in states or not d.find_elements(By.CSS_SELECTOR, "#timeline circle") or \
        not d.find_elements(By.CSS_SELECTOR, "#timeline #warn-window"):
    fail("collateral view: states %s" % states)
ok("operations: collateral listed with its states %s on a timeline with the warning window; "
   "resources show names and policies, never secrets" % sorted(states))
no_js_errors("operations")
if args.screenshots:
    d.save_screenshot(os.path.join(args.screenshots, "console-operations.png"))
drain_logs()

# ---------------------------------------------------------------- nothing from elsewhere
foreign = [u for u in requested if not (u.startswith(BASE + "/") or u.startswith("data:") or
                                        u.startswith("about:"))]
if not requested or foreign:
    fail("requests outside the service: %s (of %d)" % (foreign[:5], len(requested)))
ok("the pages loaded %d resources, every one from %s (performance log)" % (len(requested), BASE))
d.quit()
shutil.rmtree(profile, ignore_errors=True)
