"""How much of a corpus's text lies near an anchor: the question behind a windowed loader.

usage: python3 scripts/anchor_coverage.py [CORPUS.jsonl] [--lexicon dictionaries/lexicon.tsv]

An anchor is a code point where a detector could start: a digit form (ASCII, full-width,
circled, superscript, Chinese and formal numerals, 两 幺 洞), `@`, a one-character lexicon term,
or the first two characters of a longer term. For windows of ±4, ±8 and ±16 code points around
every anchor, prints the share of the corpus's code points inside some window, with all
anchors and with digits and `@` only, and how many posts hold no anchor at all. A loader that
read only those windows could skip the rest; the shares say how much rest there is.
Raw text is compared (no folding): traditional or spaced-out keywords are not counted, so the
shares are, if anything, low.
"""
import argparse
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIGITS = set(
    "0123456789０１２３４５６７８９零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖两幺洞"
    "①②③④⑤⑥⑦⑧⑨⑩⁰¹²³⁴⁵⁶⁷⁸⁹"
)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?",
                    default=os.path.join(ROOT, "..", "shared", "eval", "dev.jsonl"))
    ap.add_argument("--lexicon", default=os.path.join(ROOT, "dictionaries", "lexicon.tsv"))
    args = ap.parse_args()
    texts = [json.loads(line)["text"] for line in open(args.corpus, encoding="utf-8")
             if line.strip()]
    terms = set()
    for line in open(args.lexicon, encoding="utf-8"):
        if line.startswith("#") or "\t" not in line:
            continue
        term = line.rstrip("\n").split("\t")[1]
        if term:
            terms.add(term)
    singles = {t for t in terms if len(t) == 1}
    pairs = {t[:2] for t in terms if len(t) >= 2}
    print(f"{len(texts)} posts; anchors: {len(pairs)} term openings, {len(singles)} "
          "one-character terms, digit forms and @")

    def anchors(t, with_terms):
        for i, ch in enumerate(t):
            if ch in DIGITS or ch == "@" or with_terms and (ch in singles or t[i:i + 2] in pairs):
                yield i

    for with_terms in (True, False):
        label = "all anchors" if with_terms else "digits and @ only"
        found = [list(anchors(t, with_terms)) for t in texts]
        bare = sum(1 for a in found if not a)
        for w in (4, 8, 16):
            covered = total = 0
            for t, a in zip(texts, found):
                # Merge the windows in one sweep: anchors come in ascending order.
                end = 0
                for i in a:
                    lo, hi = max(0, i - w), min(len(t), i + w + 1)
                    covered += max(0, hi - max(lo, end))
                    end = max(end, hi)
                total += len(t)
            print(f"  {label}, window ±{w}: {100 * covered / total:.1f} % of code points")
        print(f"  {label}: {bare} posts without an anchor")


if __name__ == "__main__":
    main()
