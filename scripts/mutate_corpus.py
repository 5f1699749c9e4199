#!/usr/bin/env python3
"""Writes a variant of a labelled corpus (the format of ../shared/eval/dev.jsonl) with one kind
of rewriting applied to every post, and the gold spans and hard negatives moved with the text,
so that score.py can score the matcher on phrasings and evasions the corpus does not contain.

    python3 scripts/mutate_corpus.py MODE [--seed N] [--corpus PATH] > variant.jsonl
    target/debug/doxwatch scan --json variant.jsonl > out.json
    python3 ../shared/eval/scan_to_preds.py out.json > preds.jsonl
    python3 ../shared/eval/score.py preds.jsonl --corpus variant.jsonl

Modes:
  zero-width   an invisible character (U+200B-U+200D, U+FEFF, U+2060) before 8 % of the
               characters, inside spans too (a span then covers the ones inside it)
  emoji        an emoji before 4 % of the characters outside spans and never touching one,
               nor inside a Latin word
  traditional  80 % of the characters that have a traditional form written in it (the
               first form listed for it in dictionaries/t2s.tsv)
  separators   the field separators outside spans (，；、 and line breaks outside tables)
               swapped among themselves, and the lead-in of positive posts (up to the
               last sentence break before the first span) swapped with another post's
  labels       field labels outside spans (手机号, 身份证号, 地址, 微信, QQ, 姓名 …) replaced by
               other labels of the same field (移动电话, 证件号码, 居住地址, 薇信, 企鹅号, 原名 …);
               a Latin label before a Latin value gets a space (`vx abc123`, not `vxabc123`)
  standins     one character of every ad keyword written as an emoji that stands for it
               (开房记录 -> 开🏠记录, 开盒 -> 开📦, 查档 -> 查📁, 轨迹 -> 轨👣, 机主信息 -> 📱主信息)
  breaks       a line break inside every address (after one of its parts: 市, 区, 路, 号 …) and
               inside half of the ID, phone and card numbers (between two digits); the spans
               cover it. Not inside a table's row (a line with `|`): a break there starts a row

  digits       the digits of every ID, phone, card and QQ number written another way, one
               way a number: full-width (１３９…), Chinese numerals (一三九…, 零 for 0), formal
               numerals (壹叁玖…), circled digits (①③⑨…, ⓪), or grouped by spaces or dashes
               (139 1234 5678, 3-4-4 for a phone, 6-8-4 for an ID, fours for a card); the spans
               cover the number as written
  mixed-digits every digit of every ID, phone, card and QQ number written its own way, one
               number mixing them: ASCII, full-width, Chinese or formal numerals, circled digits,
               the spoken 幺 两 洞 (1 2 0), or a letter standing for it (O o for 0, l I for 1)
  negatives    the digits of every hard negative written one way a number (full-width, Chinese
               or formal numerals, circled, or each digit its own way as in mixed-digits): the
               numbers that must stay no finding, evaded as the findings are
  emails       the `@` and the domain's dots of every e-mail address written another way, one
               way an address: [at] (at) {at} <at> 【at】 (a) [@] 艾特 爱特 小老鼠 圈a ＠ # ` @ `
               ` at ` for the sign, [dot] (dot) [.] 点 。 ． ` . ` ` dot ` for the dots
  addresses    every address written one other way: its digits full-width (１２号), or one
               Chinese numeral a digit (一二-一-八零一), or a space after each of its parts
               (广东省 佛山市 顺德区 …)
  colons       every colon outside spans (after a label: `手机：`, `地址改了：`) written another
               way: an arrow, `=`, `->`, `是`, `为`, a pointing emoji, `|`, `/` …
  spaced       a space between 30 % of the pairs of Han characters outside spans: letter-spaced
               prose (`欢 迎 来玩`, `孙丽娟就 是他`)
  brackets     half of the IDs, phones, cards, QQ and WeChat IDs, e-mail addresses, names and
               addresses wrapped in brackets or quotes (【…】, 「…」, 《…》, “…”, 〔…〕, <…> …), the
               spans inside them
  filler       half of the field labels outside spans followed by words before their value
               (QQ如下, 本名是这个, 地址在这, 微信给你们, 扣扣发出来了 …)
  label-lines  half of the field labels outside tables put at the end of their line, the value
               starting the next (`QQ` / `123456789`, `姓名` / `王伟`)
  records      every post labelled doxxing_post that names a person beside an ID, phone or card
               rewritten as its lead-in and one record line: the name, then the values in
               their order, without labels, one separator a line (`,` `，` ` ` `|` tab `/` `、`
               `----` ` | ` `#`), an age (`28`, `(35)`) after the name in half of them, a sex
               in a third, a row number before it in a fifth (`张伟,28,139…,320…`); QQ and
               WeChat IDs left out (without a label they are no ID to any reader); the other
               posts as they are

Modes compose: `--corpus` takes a rewritten corpus, so six rewrites at once are

    M=scripts/mutate_corpus.py
    python3 $M traditional --seed 3 > c1.jsonl
    python3 $M --corpus c1.jsonl breaks --seed 4 > c2.jsonl
    python3 $M --corpus c2.jsonl labels --seed 5 > c3.jsonl
    python3 $M --corpus c3.jsonl standins --seed 6 > c4.jsonl
    python3 $M --corpus c4.jsonl zero-width --seed 7 > c5.jsonl
    python3 $M --corpus c5.jsonl emoji --seed 8 > combo.jsonl

Only the standard library; the rewriting is deterministic for a seed.
"""

import argparse
import json
import os
import random
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "shared", "eval", "dev.jsonl")
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060"]
# One way of writing a number's digits, each digit by one character (`digits`).
DIGIT_FORMS = [
    "０１２３４５６７８９",
    "零一二三四五六七八九",
    "零壹贰叁肆伍陆柒捌玖",
    "⓪①②③④⑤⑥⑦⑧⑨",
]
# The other ways one digit is written (`mixed-digits`): every form above, and the spoken 幺 两 洞
# and the letters that stand for 0 and 1.
MIXED = {str(d): [f[d] for f in DIGIT_FORMS] for d in range(10)}
MIXED["0"] += ["洞", "O", "o"]
MIXED["1"] += ["幺", "l", "I"]
MIXED["2"] += ["两"]
# Written forms of an e-mail's `@` and of its domain's dots, paired by style (`emails`).
AT_DOT = [("[at]", "[dot]"), ("(at)", "(dot)"), ("{at}", "{dot}"), ("<at>", "."), ("【at】", "【dot】"),
          ("(a)", "."), ("[@]", "[.]"), ("艾特", "点"), ("爱特", "点"), ("小老鼠", "."),
          ("圈a", "点"), ("＠", "．"), ("#", "."), (" @ ", " . "), (" at ", " dot "), ("@", "。")]
# Where the groups of a grouped number start, by kind and length (`digits`).
GROUPS = {("phone", 11): [3, 7], ("id_card", 18): [6, 14], ("id_card", 15): [6, 12]}
# What may stand for a label's colon (`colons`).
COLONS = ["➡", "=", "->", "=>", "→", "是", "为", "：：", ": ", "~", "👉", "|", "/"]
# Brackets and quotes around a value (`brackets`).
BRACKETS = [("【", "】"), ("(", ")"), ("（", "）"), ("「", "」"), ("[", "]"), ("《", "》"),
            ("“", "”"), ("<", ">"), ("〔", "〕")]
# Words between a label and its value (`filler`); the matcher's list is the lexicon's
# `label.tail` rows, these are a writer's.
FILLERS = ["是这个", "如下", "在这", "是", "打这个", "给你们", "发出来了", "就是", "→ ", "↓"]
EMOJI = ["🔥", "💯", "🌟", "👉", "🎯", "😂", "🙏", "📌"]
SEPARATORS = ["，", "\n", "；", "、", "。", " "]
# Emoji that stand for a keyword's character (dictionaries/lookalikes.tsv).
STAND_INS = {"开": ["🔓"], "盒": ["📦", "🎁"], "房": ["🏠", "🏨"], "档": ["📁", "📂"],
             "查": ["🔍"], "肉": ["🥩", "🍖"], "迹": ["👣"], "轨": ["🛤"], "信": ["✉"],
             "机": ["📱"], "人": ["👤"]}
# Last characters of an address's parts, after which `breaks` may put a line break.
# The last characters of an address's parts, where a writer may break the line. Not `城` (it
# starts the town 城关镇 after a county: `博白县城关镇`).
PART_ENDS = set("省市区县旗镇乡道路街巷弄村组号园苑栋幢座楼元室")
BREAK = re.compile(r"[，。！？!?\n]")
# Labels of one field, any of which may stand for another (longest first when matching).
LABELS = [
    ["手机号码", "手机号", "联系电话", "电话号码", "移动电话", "手机", "电话"],
    ["身份证号码", "身份证号", "证件号码", "身份证件号", "公民身份号码", "身份证"],
    ["家庭住址", "居住地址", "现住址", "常住地址", "住址", "地址"],
    ["微信号", "微信", "薇信", "V信", "vx"],
    ["QQ号", "扣扣", "企鹅号", "球球", "QQ"],
    ["真实姓名", "姓名", "名字", "真名", "本名", "原名"],
    ["银行卡号", "银行卡", "银行账号", "银行帐号", "卡号"],
    ["邮箱", "电子邮箱", "邮件", "常用邮箱"],
]
LABEL_RE = re.compile("|".join(sorted({w for g in LABELS for w in g}, key=len, reverse=True)))


def moved(post, text, index):
    """The post with `text`; `index[i]` is the new position of old code point i."""
    def span(item):
        return dict(item, start=index[item["start"]], end=index[item["end"] - 1] + 1)

    meta = dict(post["meta"], hard_negatives=[span(h) for h in post["meta"]["hard_negatives"]])
    return dict(post, text=text, gold=[span(g) for g in post["gold"]], meta=meta)


def insert_before(post, rng, rate, pick, allowed):
    """Inserts pick() before each character i where allowed(i) and a coin with `rate` says so."""
    out, index = [], []
    for i, c in enumerate(post["text"]):
        if i > 0 and allowed(i) and rng.random() < rate:
            out.append(pick())
        index.append(len(out))
        out.append(c)
    index.append(len(out))
    return moved(post, "".join(out), index)


def replace_ranges(post, edits):
    """Replaces non-overlapping (start, end, text) ranges that no span touches."""
    text, out, index, cur = post["text"], [], [], 0
    for start, end, rep in sorted(edits):
        for i in range(cur, start):
            index.append(len(out))
            out.append(text[i])
        for i in range(start, end):
            index.append(len(out))
        out.extend(rep)
        cur = end
    for i in range(cur, len(text)):
        index.append(len(out))
        out.append(text[i])
    index.append(len(out))
    return moved(post, "".join(out), index)


def replace_span_chars(post, edits):
    """Replaces single code points (start, start + 1, one character) inside spans: lengths and
    offsets stay as they are."""
    text = list(post["text"])
    for start, _, rep in edits:
        text[start] = rep
    return dict(post, text="".join(text))


def covered(post):
    """Code points inside a gold span or a hard negative."""
    inside = set()
    for item in post["gold"] + post["meta"]["hard_negatives"]:
        inside.update(range(item["start"], item["end"]))
    return inside


def digit_edits(text, start, end, form):
    """The edits writing the ASCII digits of text[start:end] in `form` (one of DIGIT_FORMS)."""
    return [(i, i + 1, form[int(text[i])]) for i in range(start, end) if text[i] in "0123456789"]


def label_edits(post, rng, rewrite, keep):
    """The field labels outside spans and outside tables that keep(rng.random()) picks, each
    replaced as rewrite(match) = (end, text) says."""
    inside = covered(post)
    text = post["text"]
    if "|" in text or "｜" in text:
        return post
    edits = [(m.start(), end, new) for m in LABEL_RE.finditer(text)
             if not any(i in inside for i in range(m.start(), m.end())) and keep(rng.random())
             for end, new in [rewrite(m)]]
    return replace_ranges(post, edits)


RECORD_KINDS = ("name", "id_card", "phone", "bank_card", "email", "address")
RECORD_SEPARATORS = [",", "，", " ", "|", "\t", "/", "、", "----", " | ", "#"]


def record_line(post, rng):
    """A doxxing post with a name and an ID, phone or card as its lead-in and one record line
    (see `records`); any other post as it is."""
    gold = post["gold"]
    names = [g for g in gold if g["kind"] == "name"]
    if (post["labels"] != ["doxxing_post"] or len(names) != 1
            or not any(g["kind"] in ("id_card", "phone", "bank_card") for g in gold)):
        return post
    end = lead_in_end(post)
    text = post["text"]
    kept = [g for g in gold if g["end"] <= end]
    values = [g for g in sorted(gold, key=lambda g: g["start"])
              if g["start"] >= end and g["kind"] in RECORD_KINDS and g["kind"] != "name"]
    sep = rng.choice(RECORD_SEPARATORS)
    out = text[:end]
    if out and not out.endswith(("\n", "：", ":", "，", "。", "！", " ")):
        out += "\n"
    new_gold = list(kept)
    if rng.random() < 0.2:
        out += str(rng.randint(1, 30)) + sep
    name = names[0]
    new_gold.append(dict(name, start=len(out), end=len(out) + (name["end"] - name["start"])))
    out += text[name["start"]:name["end"]]
    if rng.random() < 0.33:
        out += sep + rng.choice("男女")
    if rng.random() < 0.5:
        age = rng.randint(18, 70)
        out += ("(%d)" % age) if rng.random() < 0.3 else sep + str(age)
    for g in values:
        out += sep
        new_gold.append(dict(g, start=len(out), end=len(out) + (g["end"] - g["start"])))
        out += text[g["start"]:g["end"]]
    meta = dict(post["meta"], hard_negatives=[h for h in post["meta"]["hard_negatives"]
                                              if h["end"] <= end])
    return dict(post, text=out, gold=new_gold, meta=meta)


def lead_in_end(post):
    """End of the lead-in: the last sentence break before the first span (0 if none)."""
    if not post["gold"]:
        return 0
    first = min(g["start"] for g in post["gold"])
    return max((m.end() for m in BREAK.finditer(post["text"][:first])), default=0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "mode",
        choices=[
            "zero-width", "emoji", "traditional", "separators", "labels", "breaks", "standins",
            "digits", "mixed-digits", "negatives", "emails", "addresses", "colons", "spaced", "brackets", "filler", "label-lines", "records"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    posts = [json.loads(line) for line in open(args.corpus, encoding="utf-8") if line.strip()]

    s2t = {}
    if args.mode == "traditional":
        with open(os.path.join(HERE, "..", "dictionaries", "t2s.tsv"), encoding="utf-8") as f:
            for line in f:
                if not line.startswith("#"):
                    trad, simp = line.rstrip("\n").split("\t")[:2]
                    s2t.setdefault(simp, trad)
    lead_ins = {}
    if args.mode == "separators":
        for p in posts:
            end = lead_in_end(p)
            if end:
                lead_ins.setdefault(p["meta"]["gen"], []).append(p["text"][:end])

    for p in posts:
        if args.mode == "zero-width":
            p = insert_before(p, rng, 0.08, lambda: rng.choice(INVISIBLE), lambda i: True)
        elif args.mode == "emoji":
            inside = covered(p)
            text = p["text"]
            # Not inside a Latin word (`V💯ID_2024…` makes a WeChat label of a file name).
            latin = [c.isascii() and c.isalnum() for c in text]
            p = insert_before(
                p, rng, 0.04, lambda: rng.choice(EMOJI),
                lambda i: i not in inside and i - 1 not in inside
                and not (latin[i - 1] and latin[i]))
        elif args.mode == "traditional":
            text = "".join(
                s2t[c] if c in s2t and rng.random() < 0.8 else c for c in p["text"])
            p = dict(p, text=text)
        elif args.mode == "standins":
            edits = []
            for g in p["gold"]:
                if g["kind"] != "ad_keyword":
                    continue
                spots = [i for i in range(g["start"], g["end"]) if p["text"][i] in STAND_INS]
                if spots:
                    i = rng.choice(spots)
                    edits.append((i, i + 1, rng.choice(STAND_INS[p["text"][i]])))
            p = replace_span_chars(p, edits)
        elif args.mode == "breaks":
            chosen = set()
            text = p["text"]
            # A table's row stays on one line: a break inside a cell would start a new row
            # for any reader.
            row_of = {}
            for m in re.finditer(r"[^\n]+", text):
                if "|" in m.group() or "｜" in m.group():
                    row_of.update((i, m.start()) for i in range(m.start(), m.end()))
            for g in p["gold"]:
                if g["start"] in row_of:
                    continue
                if g["kind"] == "address":
                    spots = [i for i in range(g["start"] + 2, g["end"] - 1)
                             if text[i - 1] in PART_ENDS and text[i] not in PART_ENDS
                             # A number's `号` (`399号`), not one inside a name (`融创壹号院`)
                             # or a building's (`10号楼`).
                             and (text[i - 1] != "号"
                                  or text[i - 2].isdigit() and text[i] not in "楼樓院")]
                elif g["kind"] in ("id_card", "phone", "bank_card") and rng.random() < 0.5:
                    spots = [i for i in range(g["start"] + 1, g["end"])
                             if text[i - 1].isdigit() and text[i].isdigit()]
                else:
                    continue
                if spots:
                    chosen.add(rng.choice(spots))
            p = insert_before(p, rng, 1.0, lambda: "\n", lambda i: i in chosen)
        elif args.mode == "digits":
            text = p["text"]
            edits, cuts = [], set()
            for g in p["gold"]:
                if g["kind"] not in ("id_card", "phone", "bank_card", "qq"):
                    continue
                spots = [i for i in range(g["start"], g["end"]) if text[i] in "0123456789"]
                if not spots:
                    continue
                how = rng.randrange(len(DIGIT_FORMS) + 1)
                if how < len(DIGIT_FORMS):
                    edits += digit_edits(text, g["start"], g["end"], DIGIT_FORMS[how])
                elif len(spots) == g["end"] - g["start"]:
                    # Only a number written as plain digits is grouped (a `+86` or a group
                    # already there keeps its form).
                    n = len(spots)
                    starts = GROUPS.get((g["kind"], n), range(4, n, 4))
                    cuts.update(g["start"] + k for k in starts)
            p = replace_span_chars(p, edits)
            sep = rng.choice([" ", "-"])
            p = insert_before(p, rng, 1.0, lambda: sep, lambda i: i in cuts)
        elif args.mode == "mixed-digits":
            text = p["text"]
            edits = [(i, i + 1, rng.choice([text[i]] + MIXED[text[i]]))
                     for g in p["gold"] if g["kind"] in ("id_card", "phone", "bank_card", "qq")
                     for i in range(g["start"], g["end"]) if text[i] in "0123456789"]
            p = replace_span_chars(p, edits)
        elif args.mode == "negatives":
            text = p["text"]
            edits = []
            for h in p["meta"]["hard_negatives"]:
                how = rng.randrange(len(DIGIT_FORMS) + 1)
                for i in range(h["start"], h["end"]):
                    if text[i] in "0123456789":
                        edits.append((i, i + 1, DIGIT_FORMS[how][int(text[i])]
                                      if how < len(DIGIT_FORMS)
                                      else rng.choice([text[i]] + MIXED[text[i]])))
            p = replace_span_chars(p, edits)
        elif args.mode == "emails":
            text = p["text"]
            edits = []
            for g in p["gold"]:
                span = text[g["start"]:g["end"]]
                if g["kind"] != "email" or span.count("@") != 1 or " " in span:
                    continue
                at, dot = rng.choice(AT_DOT)
                a = g["start"] + span.index("@")
                edits.append((a, a + 1, at))
                edits += [(i, i + 1, dot) for i in range(a + 1, g["end"]) if text[i] == "."]
            # (Inside the spans, never at their ends: the spans stretch over the new forms.)
            p = replace_ranges(p, edits)
        elif args.mode == "addresses":
            text = p["text"]
            edits, cuts = [], set()
            for g in p["gold"]:
                if g["kind"] != "address":
                    continue
                how = rng.randrange(3)
                if how < 2:
                    edits += digit_edits(text, g["start"], g["end"], DIGIT_FORMS[how])
                else:
                    cuts.update(i for i in range(g["start"] + 2, g["end"] - 1)
                                if text[i - 1] in PART_ENDS and text[i] not in PART_ENDS
                                and not (text[i - 1] == "号" and text[i] in "楼樓院"))
            p = replace_span_chars(p, edits)
            p = insert_before(p, rng, 1.0, lambda: " ", lambda i: i in cuts)
        elif args.mode == "colons":
            inside = covered(p)
            edits = [(m.start(), m.end(), rng.choice(COLONS))
                     for m in re.finditer(r"[：:]", p["text"]) if m.start() not in inside]
            p = replace_ranges(p, edits)
        elif args.mode == "spaced":
            inside = covered(p)
            text = p["text"]
            han = [0x4E00 <= ord(c) <= 0x9FFF for c in text]
            p = insert_before(p, rng, 0.3, lambda: " ",
                              lambda i: i not in inside and i - 1 not in inside
                              and han[i] and han[i - 1])
        elif args.mode == "brackets":
            marks = {}
            for g in p["gold"]:
                if g["kind"] in ("id_card", "phone", "bank_card", "qq", "wechat", "email", "name",
                                 "address") and rng.random() < 0.5:
                    opening, closing = rng.choice(BRACKETS)
                    marks[g["start"]] = marks.get(g["start"], "") + opening
                    marks[g["end"]] = closing + marks.get(g["end"], "")
            out, index, size = [], [], 0
            for i, c in enumerate(p["text"] + "\0"):
                out.append(marks.get(i, ""))
                size += len(out[-1])
                index.append(size)
                out.append(c)
                size += 1
            p = moved(p, "".join(out)[:-1], index)
        elif args.mode == "filler":
            # Not in a table's header: a word after a column's label is no table any reader
            # would write.
            p = label_edits(p, rng, lambda m: (m.end(), m.group() + rng.choice(FILLERS)),
                            lambda r: r < 0.5)
        elif args.mode == "records":
            p = record_line(p, rng)
        elif args.mode == "label-lines":
            text = p["text"]
            inside = covered(p)

            def to_line_end(m):
                # The colon and spaces after the label go with the line's end.
                k = m.end()
                while k < len(text) and text[k] in "：: " and k not in inside:
                    k += 1
                return k, m.group() + "\n"

            p = label_edits(p, rng, to_line_end, lambda r: r >= 0.5)
        elif args.mode == "labels":
            inside = covered(p)
            edits = []
            for m in LABEL_RE.finditer(p["text"]):
                if any(i in inside for i in range(m.start(), m.end())) or rng.random() < 0.3:
                    continue
                group = next(g for g in LABELS if m.group() in g)
                label = rng.choice(group)
                # A Latin label glued to a Latin value (`微信abc123` -> `vxabc123`) reads as one
                # word: a space keeps them apart, as a writer would.
                after = unicodedata.normalize("NFKC", p["text"][m.end():m.end() + 1])
                if label[-1:].isascii() and label[-1:].isalnum() and after.isascii() and after.isalnum():
                    label += " "
                edits.append((m.start(), m.end(), label))
            p = replace_ranges(p, edits)
        else:
            inside = covered(p)
            table = "|" in p["text"] or "｜" in p["text"]
            edits = [
                (m.start(), m.end(), rng.choice(SEPARATORS))
                for m in re.finditer(r"[，；、\n]", p["text"])
                if m.start() not in inside and not (table and m.group() == "\n")
                and rng.random() < 0.5
            ]
            end = lead_in_end(p)
            lead_in_free = all(h["start"] >= end for h in p["meta"]["hard_negatives"])
            if end and lead_in_free and p["meta"]["gen"] in lead_ins and rng.random() < 0.5:
                edits = [e for e in edits if e[0] >= end]
                edits.append((0, end, rng.choice(lead_ins[p["meta"]["gen"]])))
            p = replace_ranges(p, edits)
        sys.stdout.write(json.dumps(p, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
